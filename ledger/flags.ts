/**
 * Flags as TigerBeetle numbers them, so that a stored row reads the same as a TigerBeetle object.
 * The API speaks in named booleans; the database stores one integer.
 */
export const ACCOUNT_FLAG_BITS = {
  linked: 1,
  debitsMustNotExceedCredits: 2,
  creditsMustNotExceedDebits: 4,
  history: 8,
  /** Created with its original timestamp (a migration from another ledger). */
  imported: 16,
  closed: 32,
} as const;

export const TRANSFER_FLAG_BITS = {
  linked: 1,
  pending: 2,
  postPendingTransfer: 4,
  voidPendingTransfer: 8,
  balancingDebit: 16,
  balancingCredit: 32,
  closingDebit: 64,
  closingCredit: 128,
  /** A past event loaded with its original timestamp (migrations, replays of another ledger). */
  imported: 256,
} as const;

export type AccountFlagName = keyof typeof ACCOUNT_FLAG_BITS;
export type TransferFlagName = keyof typeof TRANSFER_FLAG_BITS;
export type AccountFlags = Partial<Record<AccountFlagName, boolean>>;
export type TransferFlags = Partial<Record<TransferFlagName, boolean>>;

function encode<N extends string>(bits: Record<N, number>, flags: Partial<Record<N, boolean>> | undefined): number {
  let value = 0;
  if (!flags) return value;
  for (const name of Object.keys(bits) as N[]) if (flags[name]) value |= bits[name];
  return value;
}

function decode<N extends string>(bits: Record<N, number>, value: number): Record<N, boolean> {
  const flags = {} as Record<N, boolean>;
  for (const name of Object.keys(bits) as N[]) flags[name] = (value & bits[name]) !== 0;
  return flags;
}

/** Names that a caller passed but that are not flags: reported instead of silently ignored. */
function unknownNames(bits: Record<string, number>, flags: object | undefined): string[] {
  if (!flags) return [];
  return Object.keys(flags).filter((name) => !(name in bits));
}

export const encodeAccountFlags = (flags: AccountFlags | undefined): number => encode(ACCOUNT_FLAG_BITS, flags);
export const decodeAccountFlags = (value: number): Record<AccountFlagName, boolean> => decode(ACCOUNT_FLAG_BITS, value);
export const encodeTransferFlags = (flags: TransferFlags | undefined): number => encode(TRANSFER_FLAG_BITS, flags);
export const decodeTransferFlags = (value: number): Record<TransferFlagName, boolean> => decode(TRANSFER_FLAG_BITS, value);
export const unknownAccountFlags = (flags: object | undefined): string[] => unknownNames(ACCOUNT_FLAG_BITS, flags);
export const unknownTransferFlags = (flags: object | undefined): string[] => unknownNames(TRANSFER_FLAG_BITS, flags);

export const hasFlag = (value: number, bit: number): boolean => (value & bit) !== 0;
