/**
 * Public face of the ledger: a two-phase, double-entry ledger on PostgreSQL with TigerBeetle's
 * semantics. See README.md for the model, the result codes and the guarantees.
 */
export { migrateLedger, rollbackLedger } from './migrations';
export { Ledger, createLedger, MAX_BATCH_EVENTS, type LedgerOptions } from './ledger';
export { LedgerBatcher, type BatcherOptions } from './batcher';
export { ACCOUNT_CODES, ACCOUNT_NORMAL_SIDE, isAccountCode, type Account, type AccountCode, type AccountInput, type LedgerDefinition, type NormalSide } from './account';
export type { CreateAccountOutcome } from './account-store';
export type { Transfer, TransferInput, CreateTransferOutcome } from './transfer';
export {
  CREATE_TRANSFER_RESULTS,
  CREATE_ACCOUNT_RESULTS,
  TRANSIENT_TRANSFER_RESULTS,
  isTransferApplied,
  type CreateTransferResult,
  type CreateAccountResult,
} from './result-codes';
export { ACCOUNT_FLAG_BITS, TRANSFER_FLAG_BITS, type AccountFlags, type TransferFlags, type AccountFlagName, type TransferFlagName } from './flags';
export { parseAmount, formatAmount, MAX_AMOUNT, AmountError, type AmountErrorCode } from './amount';
export { isLedgerId } from './identifiers';
export { LedgerError, type LedgerErrorCode } from './errors';
export { postgresArrayLiteral } from './database';
export { checkLedgerInvariants, type InvariantViolation, type InvariantViolationCode } from './invariants';
export * from './queries';
