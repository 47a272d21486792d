/**
 * Read-only face of the ledger: what the portal may import. Nothing here writes.
 */
export { getAccountBalance, getAccountBalanceAt, balanceOf, accountBalance, type Balance, type Counters } from './balances';
export { listAccountTransfers, lookupTransfers, type AccountTransfersFilter, type TransferPage, type TransferKind } from './account-transfers';
export { accountsOfOwner, lookupAccounts, MAX_ACCOUNTS_PER_OWNER } from '../account-store';
export { formatAmount } from '../amount';
export { ACCOUNT_CODES, ACCOUNT_NORMAL_SIDE, type Account, type AccountCode, type NormalSide } from '../account';
export type { Transfer } from '../transfer';
export { LedgerError, type LedgerErrorCode } from '../errors';
