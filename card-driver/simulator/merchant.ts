// The merchant's side, simulated: a POS that debits cards, the SAM that numbers and signs each
// purchase record, and the Transfer card that collects the SAM's records and exports the signed
// `.estb` settlement file. Switches produce the bad files the server must refuse.
import type { SecretKey } from '../crypto/secret-key';
import { debitCommand, parseDebitData, parseLogData, readLogCommand, selectCommand, successData } from '../esmart/commands';
import { EsmartError } from '../esmart/protocol-error';
import { parseSamId, parseTransferCardId, PURSE, type PurseId, type SamId, type TransferCardId } from '../esmart/identity';
import type { KeyStore } from '../keys/key-store';
import { encodeEstbFile } from '../estb/estb-writer';
import { encodeSamSignedRecord, SAM_MAC_SPAN } from '../estb/estb-format';
import { computeSamMac } from '../esmart/transaction-macs';
import type { SimulatedCard } from './esmart-card';

/** The merchant's purchase module: numbers purchases and signs their records with KS. */
export class SimulatedSam {
  #nextSeq: number;
  readonly #key: SecretKey;

  constructor(
    readonly samId: SamId,
    key: SecretKey,
    firstSeq = 1,
  ) {
    this.#key = key;
    this.#nextSeq = firstSeq;
  }

  static issue(keys: KeyStore, samId: SamId, firstSeq = 1): SimulatedSam {
    return new SimulatedSam(samId, keys.samKey(samId), firstSeq);
  }

  get nextSeq(): number {
    return this.#nextSeq;
  }

  /** Takes the next sequence number (the SAM's counter only grows). */
  takeSeq(): number {
    return this.#nextSeq++;
  }

  sign(record: Parameters<typeof encodeSamSignedRecord>[0]): Buffer {
    return encodeSamSignedRecord(record, this.#key);
  }

  /** Re-signs a record whose fields were changed (to make a tampered MACP look SAM-approved). */
  resign(record: Buffer): Buffer {
    const out = Buffer.from(record);
    computeSamMac(this.#key, out.subarray(0, SAM_MAC_SPAN)).copy(out, SAM_MAC_SPAN);
    return out;
  }
}

/** A point of sale: debits a card and keeps the SAM-signed record. */
export class SimulatedPos {
  readonly records: Buffer[] = [];

  constructor(
    readonly sam: SimulatedSam,
    private readonly now: () => number = () => Math.floor(Date.now() / 1000),
  ) {}

  purchase(card: SimulatedCard, purse: PurseId, amount: bigint): Buffer {
    successData(card.process(selectCommand()), 'SELECT');
    const samSeq = this.sam.takeSeq();
    const debit = parseDebitData(successData(card.process(debitCommand({ purse, amount, samId: this.sam.samId, samSeq })), 'DEBIT'));
    // DEBIT does not answer the ATC; the purchase's own log record does.
    const logged = parseLogData(successData(card.process(readLogCommand(1)), 'READ LOG'));
    if (logged.type !== 'purchase' || logged.seq !== samSeq || !logged.mac.equals(debit.macp)) {
      throw new EsmartError('malformed_response', 'The card did not log the purchase it just made; take the card out and try again.');
    }
    const record = this.sam.sign({
      csn: card.csn,
      atc: logged.atc,
      purse,
      amount,
      balanceAfter: debit.newBalance,
      samId: this.sam.samId,
      samSeq,
      time: this.now(),
      macp: debit.macp,
    });
    this.records.push(record);
    return record;
  }
}

/** The Transfer card: collects records from SAMs and exports them as one signed file. */
export class SimulatedTransferCard {
  readonly #key: SecretKey;
  #batchSeq: number;

  constructor(
    readonly id: TransferCardId,
    key: SecretKey,
    firstBatchSeq = 1,
  ) {
    this.#key = key;
    this.#batchSeq = firstBatchSeq;
  }

  static issue(keys: KeyStore, id: TransferCardId, firstBatchSeq = 1): SimulatedTransferCard {
    return new SimulatedTransferCard(id, keys.transferCardKey(id), firstBatchSeq);
  }

  exportFile(records: readonly Buffer[], created: number): { file: Buffer; batchSeq: number } {
    const batchSeq = this.#batchSeq++;
    return { file: encodeEstbFile({ transferCardId: this.id, batchSeq, created }, records, this.#key), batchSeq };
  }
}

/** The bad cases a merchant simulation can put into its file. */
export interface MerchantFaults {
  /** Flip a bit of MACP in this many records (MACS re-signed, so only the card's MAC fails). */
  tamperPurchaseMacs?: number;
  /** Flip a bit of MACS in this many records. */
  tamperSamMacs?: number;
  /** Flip a bit of the file MAC. */
  tamperFileMac?: boolean;
  /** Append this many copies of earlier records (replays). */
  replayRecords?: number;
  /** Make this many purchases through a second SAM that belongs to another merchant. */
  foreignSamPurchases?: number;
  /** Make this many purchases from Food Voucher purses (for a merchant that does not take them). */
  foodPurchases?: number;
  /** Cut this many bytes off the end of the file. */
  truncateBytes?: number;
}

export interface MerchantRun {
  samId: SamId;
  foreignSamId?: SamId;
  transferCardId: TransferCardId;
  purse?: PurseId;
  /** Amount of each purchase, minor units. */
  amount: bigint;
  purchases: number;
  firstSamSeq?: number;
  batchSeq?: number;
  faults?: MerchantFaults;
  now?: () => number;
}

export const DEFAULT_FOREIGN_SAM_ID = parseSamId('53414D00000000FF');

/**
 * Debits the cards round-robin and writes the Transfer card's file. Returns the file and what
 * each fault did, so a test or a demo can say which records the server must refuse.
 */
export function runMerchant(keys: KeyStore, cards: readonly SimulatedCard[], run: MerchantRun): { file: Buffer; records: number; faultsApplied: Record<string, number[]> } {
  if (cards.length === 0) throw new RangeError('The merchant simulation needs at least one card to debit.');
  const now = run.now ?? (() => Math.floor(Date.now() / 1000));
  const faults = run.faults ?? {};
  const pos = new SimulatedPos(SimulatedSam.issue(keys, parseSamId(run.samId), run.firstSamSeq ?? 1), now);
  const applied: Record<string, number[]> = {};
  const mark = (what: string, index: number): void => {
    (applied[what] ??= []).push(index);
  };
  const records: Buffer[] = [];
  let next = 0;
  const card = (): SimulatedCard => cards[next++ % cards.length];
  for (let i = 0; i < run.purchases; i++) records.push(pos.purchase(card(), run.purse ?? PURSE.ecash, run.amount));
  for (let i = 0; i < (faults.foodPurchases ?? 0); i++) {
    mark('foodPurchases', records.length);
    records.push(pos.purchase(card(), PURSE.food, run.amount));
  }
  if (faults.foreignSamPurchases) {
    const foreign = new SimulatedPos(SimulatedSam.issue(keys, run.foreignSamId ?? DEFAULT_FOREIGN_SAM_ID), now);
    for (let i = 0; i < faults.foreignSamPurchases; i++) {
      mark('foreignSamPurchases', records.length);
      records.push(foreign.purchase(card(), run.purse ?? PURSE.ecash, run.amount));
    }
  }
  for (let i = 0; i < (faults.tamperPurchaseMacs ?? 0) && i < records.length; i++) {
    const tampered = Buffer.from(records[i]);
    tampered[35] ^= 0x01;
    records[i] = pos.sam.resign(tampered);
    mark('tamperPurchaseMacs', i);
  }
  for (let i = 0; i < (faults.tamperSamMacs ?? 0) && i < records.length; i++) {
    const index = records.length - 1 - i;
    const tampered = Buffer.from(records[index]);
    tampered[SAM_MAC_SPAN] ^= 0x01;
    records[index] = tampered;
    mark('tamperSamMacs', index);
  }
  const originals = records.length;
  for (let i = 0; i < (faults.replayRecords ?? 0); i++) {
    mark('replayRecords', records.length);
    records.push(Buffer.from(records[i % originals]));
  }
  const transfer = SimulatedTransferCard.issue(keys, parseTransferCardId(run.transferCardId), run.batchSeq ?? 1);
  let { file } = transfer.exportFile(records, now());
  if (faults.tamperFileMac) file[file.length - 1] ^= 0x01;
  if (faults.truncateBytes) file = file.subarray(0, Math.max(0, file.length - faults.truncateBytes));
  return { file, records: records.length, faultsApplied: applied };
}

