/**
 * Whatever carries command APDUs to a card and brings the response back (PC/SC, the ACR30 serial
 * reader, a simulator in memory). It resolves with the whole response APDU (data ‖ SW1 SW2), and
 * handles transport matters itself (T=0 GET RESPONSE, NAK retransmission). A card that vanishes
 * mid-command rejects the promise.
 */
export interface ApduChannel {
  transmit(apdu: Buffer): Promise<Buffer>;
}
