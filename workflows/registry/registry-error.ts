// Every refusal of the registry as a typed value: the CLI, the portal and the workflows decide on
// `code`; the message says what to do.
export type RegistryErrorCode =
  | 'id_invalid'
  | 'name_invalid'
  | 'amount_invalid'
  | 'customer_unknown'
  | 'customer_exists_differently'
  | 'card_unknown'
  | 'card_owned_by_another_customer'
  | 'card_blocked'
  | 'reader_owned_by_another_customer'
  | 'merchant_unknown'
  | 'merchant_exists_differently'
  | 'device_owned_by_another_merchant'
  | 'deposit_exists_differently'
  | 'ledger_refused';

export class RegistryError extends Error {
  override readonly name = 'RegistryError';
  constructor(
    readonly code: RegistryErrorCode,
    message: string,
  ) {
    super(message);
  }
}
