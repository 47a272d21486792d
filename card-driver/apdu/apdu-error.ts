export type ApduErrorCode =
  | 'apdu_too_short'
  | 'apdu_length_mismatch'
  | 'apdu_extended_length'
  | 'apdu_field_range'
  | 'response_too_short'
  | 'response_too_long';

/** A command or response that does not follow ISO 7816-4 short-length encoding. */
export class ApduError extends Error {
  constructor(
    readonly code: ApduErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ApduError';
  }
}
