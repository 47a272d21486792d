// Turns a pcsclite error (its message ends in the PC/SC return code, e.g. "SCardTransmit error:
// Card was removed.(0x80100069)") into a ReaderError. Pure, so every code gets a unit test.
import { ReaderError, type ReaderErrorCode } from './reader-error';

/** The step that failed: decides the meaning of an ambiguous code such as "no smart card". */
export type PcscStep = 'connect' | 'transmit' | 'disconnect' | 'status';

const BY_CODE: Record<number, ReaderErrorCode | ((step: PcscStep) => ReaderErrorCode)> = {
  0x80100069: 'card_removed', // SCARD_W_REMOVED_CARD
  0x80100067: 'card_removed', // SCARD_W_UNPOWERED_CARD
  0x8010000c: (step) => (step === 'connect' ? 'no_card' : 'card_removed'), // SCARD_E_NO_SMARTCARD
  0x80100068: 'reader_reset', // SCARD_W_RESET_CARD: another application reset the card
  0x80100017: 'reader_vanished', // SCARD_E_READER_UNAVAILABLE
  0x80100009: 'reader_vanished', // SCARD_E_UNKNOWN_READER
  0x8010001d: (step) => (step === 'connect' ? 'reader_unavailable' : 'reader_vanished'), // SCARD_E_NO_SERVICE
  0x8010001e: 'reader_vanished', // SCARD_E_SERVICE_STOPPED
  // SCARD_F_COMM_ERROR: the socket to pcscd broke, which is what pcscd dying looks like.
  0x80100013: (step) => (step === 'connect' ? 'reader_unavailable' : 'reader_vanished'),
  0x8010002e: 'reader_unavailable', // SCARD_E_NO_READERS_AVAILABLE
  0x8010000b: 'reader_unavailable', // SCARD_E_SHARING_VIOLATION: another application holds the card
  0x8010000a: 'timeout', // SCARD_E_TIMEOUT
  0x80100016: 'outcome_unknown', // SCARD_E_NOT_TRANSACTED
  0x80100003: 'closed', // SCARD_E_INVALID_HANDLE
  0x80100066: 'reader_refused', // SCARD_W_UNRESPONSIVE_CARD
  0x80100065: 'reader_refused', // SCARD_W_UNSUPPORTED_CARD
  0x8010000f: 'reader_refused', // SCARD_E_PROTO_MISMATCH
};

export function pcscStatusOf(message: string): number | undefined {
  const m = /\(0x([0-9a-fA-F]{1,8})\)\s*$/.exec(message);
  return m ? Number.parseInt(m[1], 16) : undefined;
}

export function readerErrorFromPcsc(err: Error, step: PcscStep, readerName: string): ReaderError {
  const status = pcscStatusOf(err.message);
  const rule = status === undefined ? undefined : BY_CODE[status];
  const code: ReaderErrorCode = rule === undefined ? 'reader_refused' : typeof rule === 'function' ? rule(step) : rule;
  const hex = status === undefined ? undefined : `0x${status.toString(16).padStart(8, '0')}`;
  // Nothing reaches the card when the connect step fails; after that, PC/SC cannot tell us.
  const fate = step === 'connect' ? 'not_sent' : 'unknown';
  return new ReaderError(code, `PC/SC ${step} on "${readerName}" failed: ${err.message}`, fate, hex);
}
