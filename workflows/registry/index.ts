// The registry's public face inside workflows/.
export { Registry, type Card, type CardForDownload, type CardStatus, type Customer, type Funding, type Merchant, type PlatformAccountCode, type PurseShadow, type RegistryOptions } from './registry';
export { migrateRegistry, rollbackRegistry } from './migrations';
export { RegistryError, type RegistryErrorCode } from './registry-error';
export { formatMoney, parseMinor, parseMoney, MINOR_DIGITS } from './money';
export { accountIdFor, nameBasedId, transferIdFor, type TransferKey } from './name-based-id';
export { PURSEFLOW_LEDGER, TRANSFER_CODE } from './transfer-codes';
export { PURSE_NAMES, isPurseName, type PurseName } from './purse';
