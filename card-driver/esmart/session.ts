// The host side of the e-Smart protocol over any ApduChannel: one method per card command, and
// the two flows that need several of them (an online load, and the recovery of a torn load).
import { randomBytes } from 'node:crypto';
import type { ApduChannel } from '../apdu/apdu-channel';
import { SW } from '../apdu/status-word';
import type { KeyStore } from '../keys/key-store';
import {
  creditLoadCommand,
  debitCommand,
  getBalanceCommand,
  initializeLoadCommand,
  parseBalanceData,
  parseCreditLoadData,
  parseDebitData,
  parseInitializeLoadData,
  parseLogData,
  parseSelectData,
  readLogCommand,
  selectCommand,
  successData,
  type CardInfo,
  type CreditLoadAnswer,
  type DebitAnswer,
  type InitializeLoadAnswer,
  type LoadMode,
} from './commands';
import { formatCsn, PURSE, type Csn, type PurseId, type SamId } from './identity';
import { LOG_CAPACITY, type LogRecord } from './log-record';
import { EsmartError } from './protocol-error';
import { RANDOM_BYTES, type LoadCredit, type LoadSession } from './transaction-macs';

export class EsmartSession {
  constructor(private readonly channel: ApduChannel) {}

  async select(): Promise<CardInfo> {
    return parseSelectData(successData(await this.channel.transmit(selectCommand()), 'SELECT'));
  }

  async balance(purse: PurseId): Promise<bigint> {
    return parseBalanceData(successData(await this.channel.transmit(getBalanceCommand(purse)), 'GET BALANCE'));
  }

  async balances(): Promise<{ ecash: bigint; food: bigint }> {
    return { ecash: await this.balance(PURSE.ecash), food: await this.balance(PURSE.food) };
  }

  /** Log record n (1 = newest), or undefined when the card has fewer records (6A83). */
  async readLog(n: number): Promise<LogRecord | undefined> {
    const response = await this.channel.transmit(readLogCommand(n));
    if (response.length === 2 && response.readUInt16BE(0) === SW.RECORD_NOT_FOUND) return undefined;
    return parseLogData(successData(response, 'READ LOG'));
  }

  /** The whole log, newest first. */
  async readWholeLog(): Promise<LogRecord[]> {
    const records: LogRecord[] = [];
    for (let n = 1; n <= LOG_CAPACITY; n++) {
      const r = await this.readLog(n);
      if (!r) break;
      records.push(r);
    }
    return records;
  }

  async initializeLoad(p: { mode: LoadMode; purse: PurseId; amount: bigint; rh: Buffer }): Promise<InitializeLoadAnswer> {
    return parseInitializeLoadData(successData(await this.channel.transmit(initializeLoadCommand(p)), 'INITIALIZE LOAD'));
  }

  async creditLoad(p: { mode: LoadMode; purse: PurseId; amount: bigint; auth: Buffer }): Promise<CreditLoadAnswer> {
    return parseCreditLoadData(successData(await this.channel.transmit(creditLoadCommand(p)), 'CREDIT LOAD'));
  }

  async debit(p: { purse: PurseId; amount: bigint; samId: SamId; samSeq: number }): Promise<DebitAnswer> {
    return parseDebitData(successData(await this.channel.transmit(debitCommand(p)), 'DEBIT'));
  }
}

export interface OnlineLoadRequest {
  purse: PurseId;
  amount: bigint;
  /** The card the load is meant for; a different card in the reader is refused before anything is sent. */
  csn?: Csn;
  /** Host random RH; fresh random bytes when omitted. */
  rh?: Buffer;
  /**
   * Called once MAC1 proved the card genuine and before MAC2 exists: reserve the money here (ledger
   * pending transfer) and write the journal row that recovery will need. Throwing aborts the load
   * before the card can be credited.
   */
  authorize?: (session: LoadSession) => Promise<void>;
}

export interface OnlineLoadResult extends LoadSession {
  balanceBefore: bigint;
  newBalance: bigint;
  mac3: Buffer;
}

/** Online load (spec 4.1): SELECT → INITIALIZE LOAD → MAC1 check → authorize → MAC2 → CREDIT LOAD → MAC3 check. */
export async function performOnlineLoad(channel: ApduChannel, keys: KeyStore, request: OnlineLoadRequest): Promise<OnlineLoadResult> {
  const card = new EsmartSession(channel);
  const info = await card.select();
  assertSameCard(info.csn, request.csn);
  const rh = request.rh ?? randomBytes(RANDOM_BYTES);
  const init = await card.initializeLoad({ mode: 'online', purse: request.purse, amount: request.amount, rh });
  const session: LoadSession = { csn: info.csn, atc: init.atc, purse: request.purse, amount: request.amount, rh, rc: init.rc };
  if (!keys.verifyMac1(session, init.mac1)) {
    throw new EsmartError('mac1_invalid', `Card ${formatCsn(info.csn)} answered INITIALIZE LOAD with a MAC1 that does not verify: it is not a genuine card or not ours; nothing was reserved.`);
  }
  await request.authorize?.(session);
  const credit = await card.creditLoad({ mode: 'online', purse: request.purse, amount: request.amount, auth: keys.mac2(session) });
  if (!keys.verifyMac3(session, credit.mac3)) {
    throw new EsmartError('mac3_invalid', `Card ${formatCsn(info.csn)} answered CREDIT LOAD with a MAC3 that does not verify; keep the reservation and recover from the card's log (spec 4.1).`);
  }
  return { ...session, balanceBefore: init.balance, newBalance: credit.newBalance, mac3: credit.mac3 };
}

export type LoadRecovery =
  /** A load record with this ATC, purse and amount carries the right MAC3: the card was credited. */
  | { outcome: 'credited'; mac3: Buffer; record: LogRecord; atcCard: number }
  /** ATC_card < ATC: the card never completed this load. */
  | { outcome: 'not_credited'; atcCard: number }
  /** Neither proof is on the card: an operator must decide. */
  | { outcome: 'undetermined'; reason: 'rolled_out_of_log' | 'record_mismatch'; atcCard: number; record?: LogRecord };

/**
 * What became of a load whose CREDIT LOAD got no answer (spec 4.1). Read-only: it never sends a
 * purse command, so it is safe to repeat.
 */
export async function recoverTornLoad(channel: ApduChannel, keys: KeyStore, load: LoadCredit): Promise<LoadRecovery> {
  const card = new EsmartSession(channel);
  const info = await card.select();
  assertSameCard(info.csn, load.csn);
  const newest = await card.readLog(1);
  // Every transaction that moves ATC_card is logged, so the newest record's ATC is ATC_card.
  const atcCard = newest?.atc ?? 0;
  if (atcCard < load.atc) return { outcome: 'not_credited', atcCard };
  const position = atcCard - load.atc + 1;
  if (position > LOG_CAPACITY) return { outcome: 'undetermined', reason: 'rolled_out_of_log', atcCard };
  const record = position === 1 ? newest : await card.readLog(position);
  if (!record) return { outcome: 'undetermined', reason: 'rolled_out_of_log', atcCard };
  const matches =
    record.type === 'load' &&
    record.atc === load.atc &&
    record.purse === load.purse &&
    record.amount === load.amount &&
    keys.verifyMac3(load, record.mac);
  if (!matches) return { outcome: 'undetermined', reason: 'record_mismatch', atcCard, record };
  return { outcome: 'credited', mac3: record.mac, record, atcCard };
}

function assertSameCard(actual: Csn, expected: Csn | undefined): void {
  if (expected !== undefined && actual !== expected) {
    throw new EsmartError('wrong_card', `The reader holds card ${formatCsn(actual)}, not ${formatCsn(expected)}; insert the right card.`);
  }
}
