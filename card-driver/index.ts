// card-driver's public face: a plain list of exports (the reader transports append theirs below).
export { SecretKey, CryptoError, SINGLE_DES_NATIVE, withOddParity, type CryptoErrorCode } from './crypto/secret-key';
export { pad2 } from './crypto/padding';
export { retailMac, retailMac4, retailMac4Batch, retailMacBatchAt, RetailMacStream } from './crypto/retail-mac';
export { diversify, sessionKey, sessionKeyInput, sessionRetailMac } from './crypto/derivation';
export { digits8, luhnCheckDigit, hasValidLuhn } from './crypto/digits';

export { IssuerKeyStore, type KeyStore, type CardKeys, type MasterKeys, type OfflineLoadRequest, type CodeCheck } from './keys/key-store';
export {
  keyStoreFromEnvironment,
  testKeyStore,
  testMasterKeys,
  isProductionMode,
  KeyConfigError,
  KEY_ENV,
  TEST_MASTER_KEYS_HEX,
  type KeyConfigErrorCode,
} from './keys/master-key-config';

export { type ApduChannel } from './apdu/apdu-channel';
export { encodeCommand, decodeCommand, apduCase, type CommandApdu, type ApduCase } from './apdu/command-apdu';
export { parseResponse, encodeResponse, type ResponseApdu } from './apdu/response-apdu';
export { statusOf, formatSw, SW, type Status, type StatusCode } from './apdu/status-word';
export { ApduError, type ApduErrorCode } from './apdu/apdu-error';

export { EsmartError, type EsmartErrorCode } from './esmart/protocol-error';
export {
  PURSE,
  AID,
  parseCsn,
  formatCsn,
  csnWithCheckDigit,
  csnToBytes,
  csnFromBytes,
  isCsnBcd,
  csnBcdNumber,
  parseSamId,
  parseTransferCardId,
  purseId,
  purseName,
  type Csn,
  type SamId,
  type TransferCardId,
  type PurseId,
  type PurseName,
} from './esmart/identity';
export {
  selectCommand,
  getBalanceCommand,
  initializeLoadCommand,
  creditLoadCommand,
  debitCommand,
  readLogCommand,
  successData,
  parseSelectData,
  parseBalanceData,
  parseInitializeLoadData,
  parseCreditLoadData,
  parseDebitData,
  type CardInfo,
  type InitializeLoadAnswer,
  type CreditLoadAnswer,
  type DebitAnswer,
  type LoadMode,
} from './esmart/commands';
export { decodeLogRecord, encodeLogRecord, LOG_CAPACITY, LOG_RECORD_BYTES, type LogRecord, type LogRecordType } from './esmart/log-record';
export {
  computeMac1,
  computeMac2,
  computeMac3,
  computePurchaseMac,
  computeSamMac,
  purchaseMacAt,
  purchaseFields,
  OFFLINE_RANDOM,
  type LoadCredit,
  type LoadSession,
  type PurchaseProof,
} from './esmart/transaction-macs';
export {
  formatRequestCode,
  parseRequestCode,
  formatAuthorizationCode,
  parseAuthorizationCode,
  formatConfirmationCode,
  parseConfirmationCode,
  authFieldFromDigits,
  type RequestCode,
} from './esmart/offline-codes';
export {
  EsmartSession,
  performOnlineLoad,
  recoverTornLoad,
  type OnlineLoadRequest,
  type OnlineLoadResult,
  type LoadRecovery,
} from './esmart/session';

export {
  SimulatedCard,
  CardTornError,
  ESMART_ATR,
  type CardState,
  type TearPoint,
  type SimulatedCardOptions,
  type CardTornErrorCode,
} from './simulator/esmart-card';
export { inMemoryChannel, type ApduProcessor } from './simulator/in-memory-channel';
export { EcomPocket, PocketError, type PocketErrorCode, type PocketState } from './simulator/ecom-pocket';
export {
  SimulatedSam,
  SimulatedPos,
  SimulatedTransferCard,
  runMerchant,
  DEFAULT_FOREIGN_SAM_ID,
  type MerchantFaults,
  type MerchantRun,
} from './simulator/merchant';

export { EstbError, type EstbErrorCode } from './estb/estb-error';
export {
  encodeHeader,
  decodeHeader,
  encodeRecord,
  decodeRecord,
  encodeSamSignedRecord,
  HEADER_BYTES,
  RECORD_BYTES,
  TRAILER_BYTES,
  type EstbHeader,
  type EstbRecord,
} from './estb/estb-format';
export { encodeEstbFile, EstbFileWriter } from './estb/estb-writer';
export {
  readEstb,
  readEstbBlocks,
  checkEstbRecords,
  verifyEstb,
  type CheckedBlock,
  type EstbBlockEvent,
  type EstbEnd,
  type EstbEvent,
  type EstbReadOptions,
  type EstbSummary,
  type MerchantFacts,
  type RecordRejection,
  type RecordVerdict,
  type FileRejection,
} from './estb/estb-reader';
export { scanEstb, estbSamOf, type EstbScan, type EstbRecordBytes } from './estb/estb-scan';

// Reader transports: the CardReader interface, PC/SC (pcsclite), the vpcd virtual card connector,
// and the ACR30S serial reader with its simulator.
export { waitForCard, type CardReader, type CardConnection, type CardReaderEvents } from './reader/card-reader';
export { ReaderError, isReaderError, type ReaderErrorCode, type CommandFate } from './reader/reader-error';
export { PcscService, PcscCardReader, PcscCardConnection, type PcscOptions } from './reader/pcsc-reader';
export {
  VpcdCardConnector,
  type VirtualCard,
  type VpcdConnectorOptions,
  type VpcdTear,
  type VpcdRemovalReason,
} from './vpcd/vpcd-card-connector';
export { Acr30Reader, Acr30CardConnection, type Acr30ReaderOptions, type Acr30Timeouts } from './acr30/acr30-reader';
export type { LineWarning } from './acr30/acr30-link';
export { Acr30Simulator, type Acr30SimulatorOptions, type Acr30Fault } from './acr30/acr30-simulator';
export { isAcrBaud, type AcrBaud, type AcrStat } from './acr30/acr30-commands';
export { wireTimeMs, BITS_PER_BYTE } from './acr30/wire-pacer';
