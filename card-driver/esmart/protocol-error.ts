// Every way the e-Smart host side can refuse input or a card's answer, as one typed error.
export type EsmartErrorCode =
  | 'invalid_csn'
  | 'invalid_id'
  | 'invalid_purse'
  | 'invalid_amount'
  | 'invalid_atc'
  | 'invalid_field'
  | 'malformed_response'
  | 'card_refused'
  | 'wrong_card'
  | 'mac1_invalid'
  | 'mac3_invalid'
  | 'code_format'
  | 'code_check_digit';

export class EsmartError extends Error {
  constructor(
    readonly code: EsmartErrorCode,
    message: string,
    /** The card's status word when the card refused a command. */
    readonly sw?: number,
  ) {
    super(message);
    this.name = 'EsmartError';
  }
}
