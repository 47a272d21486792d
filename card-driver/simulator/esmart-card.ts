// The e-Smart card application of the spec, simulated: two purses, ATC, a 10-record log, the
// pending-load slot in RAM, the offline wrong-code counter and MAXBAL, answering every status word
// of spec §5. Synchronous and deterministic given a random source, so vectors can be replayed.
import { randomBytes } from 'node:crypto';
import { decodeCommand, type CommandApdu } from '../apdu/command-apdu';
import { encodeResponse } from '../apdu/response-apdu';
import { SW } from '../apdu/status-word';
import { digits8 } from '../crypto/digits';
import type { CardKeys, KeyStore } from '../keys/key-store';
import { CLA_ESMART, CLA_ISO, INS, INITIALIZE_LOAD_RESPONSE_BYTES, SELECT_RESPONSE_BYTES, type LoadMode } from '../esmart/commands';
import {
  AID,
  csnToBytes,
  parseCsn,
  parseSamId,
  purseId,
  PURSE,
  u16,
  amountBytes,
  MAX_ATC,
  MAX_AMOUNT,
  type Csn,
  type PurseId,
} from '../esmart/identity';
import { decodeLogRecord, encodeLogRecord, LOG_CAPACITY, LOG_RECORD_BYTES, type LogRecord } from '../esmart/log-record';
import { EsmartError } from '../esmart/protocol-error';
import { computeMac1, computeMac2, computeMac3, computePurchaseMac, OFFLINE_RANDOM, RANDOM_BYTES } from '../esmart/transaction-macs';

/** `3B 88 80 01 "ESMART01" TCK` (spec §1). */
export const ESMART_ATR = withTck(Buffer.concat([Buffer.from('3B888001', 'hex'), Buffer.from('ESMART01', 'ascii')]));
export const DEFAULT_CURRENCY = '0356';
/** 10 000.00 in minor units. */
export const DEFAULT_MAX_BALANCE = 1_000_000n;
/** Spec §3: three wrong offline codes clear the pending slot. */
export const OFFLINE_CODE_ATTEMPTS = 3;

/** TCK = XOR of every byte from T0 (after TS) to the last historical byte. */
function withTck(body: Buffer): Buffer {
  let tck = 0;
  for (let i = 1; i < body.length; i++) tck ^= body[i];
  return Buffer.concat([body, Buffer.of(tck)]);
}

export type TearPoint =
  | 'before-initialize'
  | 'after-initialize'
  | 'before-credit'
  | 'after-credit'
  | 'before-debit'
  | 'after-debit';

export type CardTornErrorCode = 'card_torn' | 'card_absent';

/** The card left the reader: no response comes back. A transport turns this into "card removed". */
export class CardTornError extends Error {
  constructor(
    readonly code: CardTornErrorCode,
    readonly point?: TearPoint,
  ) {
    super(
      code === 'card_torn'
        ? `The card was torn away (${point}); insert it again and recover the load from its log.`
        : 'No card in the reader; insert the card (simulator: insert()).',
    );
    this.name = 'CardTornError';
  }
}

interface PendingLoad {
  mode: LoadMode;
  purse: PurseId;
  amount: bigint;
  atc: number;
  rh: Buffer;
  rc: Buffer;
  wrongCodes: number;
}

/** A card as JSON: permanent memory, plus RAM when the card stays powered (a pocket between runs). */
export interface CardState {
  format: 'esmart-card/1';
  csn: string;
  currency: string;
  maxBalance: string;
  balances: { ecash: string; food: string };
  atcCard: number;
  /** Hex log records, newest first. */
  log: string[];
  ram?: {
    selected: boolean;
    pending?: { mode: LoadMode; purse: number; amount: string; atc: number; rh: string; rc: string; wrongCodes: number };
  };
}

export interface SimulatedCardOptions {
  csn: Csn;
  keys: CardKeys;
  currency?: string;
  maxBalance?: bigint;
  /** Source of the card random RC; give a fixed one to reproduce vectors. */
  random?: (bytes: number) => Buffer;
}

type Answer = { data?: Buffer; sw: number };

export class SimulatedCard {
  readonly atr = ESMART_ATR;
  readonly csn: Csn;
  readonly currency: string;
  readonly maxBalance: bigint;
  readonly #keys: CardKeys;
  readonly #random: (bytes: number) => Buffer;
  #balances: Record<PurseId, bigint> = { [PURSE.ecash]: 0n, [PURSE.food]: 0n };
  #atcCard = 0;
  #log: Buffer[] = [];
  #selected = false;
  #pending: PendingLoad | undefined;
  #present = true;
  #tear: TearPoint | undefined;

  constructor(options: SimulatedCardOptions) {
    this.csn = parseCsn(options.csn);
    this.currency = options.currency ?? DEFAULT_CURRENCY;
    if (!/^[0-9]{4}$/.test(this.currency)) throw new EsmartError('invalid_field', 'A currency is 4 BCD digits, e.g. 0356.');
    this.maxBalance = options.maxBalance ?? DEFAULT_MAX_BALANCE;
    if (this.maxBalance < 0n || this.maxBalance > MAX_AMOUNT) throw new EsmartError('invalid_amount', 'MAXBAL is 0..2^32-1 minor units.');
    this.#keys = options.keys;
    this.#random = options.random ?? randomBytes;
  }

  /** A new card personalised with the keys the issuer derives for this CSN. */
  static issue(keys: KeyStore, csn: Csn, options: Omit<SimulatedCardOptions, 'csn' | 'keys'> = {}): SimulatedCard {
    return new SimulatedCard({ ...options, csn, keys: keys.cardKeys(csn) });
  }

  /** A card from its JSON state; its keys come from the key store, never from the file. */
  static restore(state: CardState, keys: KeyStore, options: Pick<SimulatedCardOptions, 'random'> = {}): SimulatedCard {
    if (state?.format !== 'esmart-card/1') throw new EsmartError('invalid_field', 'This is not an e-Smart card state file (format esmart-card/1).');
    const csn = parseCsn(state.csn);
    const card = SimulatedCard.issue(keys, csn, { currency: state.currency, maxBalance: BigInt(state.maxBalance), random: options.random });
    card.#balances = { [PURSE.ecash]: BigInt(state.balances.ecash), [PURSE.food]: BigInt(state.balances.food) };
    if (!Number.isInteger(state.atcCard) || state.atcCard < 0 || state.atcCard > MAX_ATC) throw new EsmartError('invalid_atc', 'The state file has an ATC outside 0..65535.');
    card.#atcCard = state.atcCard;
    card.#log = state.log.map((hex) => {
      const b = Buffer.from(hex, 'hex');
      decodeLogRecord(b);
      return b;
    });
    if (state.ram) {
      card.#selected = state.ram.selected;
      const p = state.ram.pending;
      if (p) {
        card.#pending = {
          mode: p.mode,
          purse: purseId(p.purse),
          amount: BigInt(p.amount),
          atc: p.atc,
          rh: Buffer.from(p.rh, 'hex'),
          rc: Buffer.from(p.rc, 'hex'),
          wrongCodes: p.wrongCodes,
        };
      }
    }
    return card;
  }

  snapshot(options: { withRam?: boolean } = {}): CardState {
    const state: CardState = {
      format: 'esmart-card/1',
      csn: this.csn,
      currency: this.currency,
      maxBalance: this.maxBalance.toString(),
      balances: { ecash: this.#balances[PURSE.ecash].toString(), food: this.#balances[PURSE.food].toString() },
      atcCard: this.#atcCard,
      log: this.#log.map((b) => b.toString('hex').toUpperCase()),
    };
    if (options.withRam) {
      const p = this.#pending;
      state.ram = {
        selected: this.#selected,
        pending: p && {
          mode: p.mode,
          purse: p.purse,
          amount: p.amount.toString(),
          atc: p.atc,
          rh: p.rh.toString('hex').toUpperCase(),
          rc: p.rc.toString('hex').toUpperCase(),
          wrongCodes: p.wrongCodes,
        },
      };
    }
    return state;
  }

  /** Inspection for tests and demos (a real card shows these only through its commands). */
  get atcCard(): number {
    return this.#atcCard;
  }

  balance(purse: PurseId): bigint {
    return this.#balances[purse];
  }

  get log(): LogRecord[] {
    return this.#log.map(decodeLogRecord);
  }

  get hasPendingLoad(): boolean {
    return this.#pending !== undefined;
  }

  get present(): boolean {
    return this.#present;
  }

  /** One-shot: the next command of that kind tears the card away before or after it executes. */
  tearAt(point: TearPoint): void {
    this.#tear = point;
  }

  /** The card comes back: powered anew, so RAM (selection, pending load) is gone. */
  insert(): void {
    this.#present = true;
    this.reset();
  }

  reset(): void {
    this.#selected = false;
    this.#pending = undefined;
  }

  powerOn(): void {
    this.reset();
  }

  powerOff(): void {
    this.reset();
  }

  /** One command APDU in, one response APDU out. Throws CardTornError when the card is gone. */
  process(apdu: Buffer): Buffer {
    if (!this.#present) throw new CardTornError('card_absent');
    let command: CommandApdu;
    try {
      command = decodeCommand(apdu);
    } catch {
      return encodeResponse(Buffer.alloc(0), SW.WRONG_LENGTH);
    }
    const answer = this.#dispatch(command);
    return encodeResponse(answer.data ?? Buffer.alloc(0), answer.sw);
  }

  #dispatch(c: CommandApdu): Answer {
    if (c.cla === CLA_ISO) {
      return c.ins === INS.select ? this.#select(c) : { sw: SW.INS_NOT_SUPPORTED };
    }
    if (c.cla !== CLA_ESMART) return { sw: SW.CLA_NOT_SUPPORTED };
    switch (c.ins) {
      case INS.getBalance:
        return this.#guarded(() => this.#getBalance(c));
      case INS.initializeLoad:
        return this.#guarded(() => this.#torn('initialize', () => this.#initializeLoad(c)));
      case INS.creditLoad:
        return this.#guarded(() => this.#torn('credit', () => this.#creditLoad(c)));
      case INS.debit:
        return this.#guarded(() => this.#torn('debit', () => this.#debit(c)));
      case INS.readLog:
        return this.#guarded(() => this.#readLog(c));
      default:
        return { sw: SW.INS_NOT_SUPPORTED };
    }
  }

  #guarded(run: () => Answer): Answer {
    if (!this.#selected) return { sw: SW.CONDITIONS_NOT_SATISFIED };
    return run();
  }

  #torn(step: 'initialize' | 'credit' | 'debit', run: () => Answer): Answer {
    if (this.#tear === `before-${step}`) this.#vanish(`before-${step}`);
    const answer = run();
    if (this.#tear === `after-${step}`) this.#vanish(`after-${step}`);
    return answer;
  }

  #vanish(point: TearPoint): never {
    this.#tear = undefined;
    this.#present = false;
    this.reset();
    throw new CardTornError('card_torn', point);
  }

  #select(c: CommandApdu): Answer {
    if (c.p1 !== 0x04 || c.p2 !== 0x00) return { sw: SW.WRONG_P1P2 };
    if (!leFits(c, SELECT_RESPONSE_BYTES)) return { sw: SW.WRONG_LENGTH };
    if (!c.data.equals(AID)) {
      this.#selected = false;
      return { sw: SW.NOT_FOUND };
    }
    this.#selected = true;
    this.#pending = undefined;
    const data = Buffer.concat([csnToBytes(this.csn), Buffer.of(0x01), Buffer.from(this.currency, 'hex'), amountBytes(this.maxBalance)]);
    return { data, sw: SW.SUCCESS };
  }

  #getBalance(c: CommandApdu): Answer {
    const purse = purseOf(c);
    if (c.p1 !== 0x00 || purse === undefined) return { sw: SW.WRONG_P1P2 };
    if (c.data.length !== 0 || !leFits(c, 4)) return { sw: SW.WRONG_LENGTH };
    return { data: amountBytes(this.#balances[purse]), sw: SW.SUCCESS };
  }

  #initializeLoad(c: CommandApdu): Answer {
    const purse = purseOf(c);
    const mode = modeOf(c.p1);
    if (mode === undefined || purse === undefined) return { sw: SW.WRONG_P1P2 };
    if (c.data.length !== 12 || !leFits(c, INITIALIZE_LOAD_RESPONSE_BYTES)) return { sw: SW.WRONG_LENGTH };
    const amount = BigInt(c.data.readUInt32BE(0));
    const rh = Buffer.from(c.data.subarray(4, 12));
    if (amount === 0n) return { sw: SW.WRONG_DATA };
    if (mode === 'offline' && !rh.equals(OFFLINE_RANDOM)) return { sw: SW.WRONG_DATA };
    if (this.#atcCard >= MAX_ATC) return { sw: SW.CONDITIONS_NOT_SATISFIED };
    if (this.#balances[purse] + amount > this.maxBalance) return { sw: SW.MAXBAL_EXCEEDED };
    const atc = this.#atcCard + 1;
    const rc = mode === 'online' ? this.#cardRandom() : OFFLINE_RANDOM;
    this.#pending = { mode, purse, amount, atc, rh, rc, wrongCodes: 0 };
    const mac1 = computeMac1(this.#keys.load, { csn: this.csn, atc, purse, amount, rh, rc });
    return { data: Buffer.concat([u16(atc), amountBytes(this.#balances[purse]), rc, mac1]), sw: SW.SUCCESS };
  }

  #creditLoad(c: CommandApdu): Answer {
    const purse = purseOf(c);
    const mode = modeOf(c.p1);
    if (mode === undefined || purse === undefined) return { sw: SW.WRONG_P1P2 };
    if (c.data.length !== 8 || !leFits(c, 8)) return { sw: SW.WRONG_LENGTH };
    const amount = BigInt(c.data.readUInt32BE(0));
    const auth = c.data.subarray(4, 8);
    if (amount === 0n) return { sw: SW.WRONG_DATA };
    const p = this.#pending;
    if (!p || p.mode !== mode || p.purse !== purse || p.amount !== amount) return { sw: SW.CONDITIONS_NOT_SATISFIED };
    const session = { csn: this.csn, atc: p.atc, purse, amount, rh: p.rh, rc: p.rc };
    const mac2 = computeMac2(this.#keys.load, session);
    const authorized = mode === 'online' ? auth.equals(mac2) : auth.readUInt32BE(0) === Number(digits8(mac2));
    if (!authorized) {
      p.wrongCodes += 1;
      if (mode === 'online' || p.wrongCodes >= OFFLINE_CODE_ATTEMPTS) this.#pending = undefined;
      return { sw: SW.SECURITY_STATUS };
    }
    const newBalance = this.#balances[purse] + amount;
    const mac3 = computeMac3(this.#keys.load, session);
    this.#balances[purse] = newBalance;
    this.#atcCard = p.atc;
    this.#appendLog({ type: 'load', purse, atc: p.atc, amount, balanceAfter: newBalance, counterparty: p.rh, seq: 0, mac: mac3 });
    this.#pending = undefined;
    return { data: Buffer.concat([amountBytes(newBalance), mac3]), sw: SW.SUCCESS };
  }

  #debit(c: CommandApdu): Answer {
    const purse = purseOf(c);
    if (c.p1 !== 0x00 || purse === undefined) return { sw: SW.WRONG_P1P2 };
    if (c.data.length !== 16 || !leFits(c, 8)) return { sw: SW.WRONG_LENGTH };
    const amount = BigInt(c.data.readUInt32BE(0));
    const samIdBytes = Buffer.from(c.data.subarray(4, 12));
    const samSeq = c.data.readUInt32BE(12);
    if (amount === 0n) return { sw: SW.WRONG_DATA };
    if (this.#atcCard >= MAX_ATC) return { sw: SW.CONDITIONS_NOT_SATISFIED };
    if (this.#balances[purse] < amount) return { sw: SW.BALANCE_TOO_LOW };
    const atc = this.#atcCard + 1;
    const newBalance = this.#balances[purse] - amount;
    const macp = computePurchaseMac(this.#keys.purchase, {
      csn: this.csn,
      atc,
      purse,
      amount,
      newBalance,
      samId: parseSamId(samIdBytes.toString('hex')),
      samSeq,
    });
    this.#balances[purse] = newBalance;
    this.#atcCard = atc;
    // A load still pending would reuse this ATC; the purchase consumed it, so the load is void.
    this.#pending = undefined;
    this.#appendLog({ type: 'purchase', purse, atc, amount, balanceAfter: newBalance, counterparty: samIdBytes, seq: samSeq, mac: macp });
    return { data: Buffer.concat([amountBytes(newBalance), macp]), sw: SW.SUCCESS };
  }

  #readLog(c: CommandApdu): Answer {
    if (c.p1 === 0 || c.p2 !== 0x00) return { sw: SW.WRONG_P1P2 };
    if (c.data.length !== 0 || !leFits(c, LOG_RECORD_BYTES)) return { sw: SW.WRONG_LENGTH };
    const record = this.#log[c.p1 - 1];
    if (!record) return { sw: SW.RECORD_NOT_FOUND };
    return { data: Buffer.from(record), sw: SW.SUCCESS };
  }

  #appendLog(record: LogRecord): void {
    this.#log.unshift(encodeLogRecord(record));
    if (this.#log.length > LOG_CAPACITY) this.#log.length = LOG_CAPACITY;
  }

  #cardRandom(): Buffer {
    const rc = this.#random(RANDOM_BYTES);
    if (rc.length !== RANDOM_BYTES) throw new EsmartError('invalid_field', 'The card random source must give 8 bytes.');
    return Buffer.from(rc);
  }

  toString(): string {
    return `SimulatedCard(${this.csn})`;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}

/** Le must be the exact answer length, or 00 (Ne 256, "up to 256"): spec §4. */
function leFits(c: CommandApdu, exact: number): boolean {
  return c.ne === exact || c.ne === 256;
}

function purseOf(c: CommandApdu): PurseId | undefined {
  return c.p2 === PURSE.ecash || c.p2 === PURSE.food ? c.p2 : undefined;
}

function modeOf(p1: number): LoadMode | undefined {
  return p1 === 0x00 ? 'online' : p1 === 0x01 ? 'offline' : undefined;
}

