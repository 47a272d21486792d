// The eCom Pocket: a handheld reader with a keypad and a display that loads its card offline by
// codes the customer carries between it and the portal (spec 4.2). It talks to the card with the
// same command builders as the server does, with P1 = 01.
import {
  creditLoadCommand,
  getBalanceCommand,
  initializeLoadCommand,
  parseBalanceData,
  parseCreditLoadData,
  parseInitializeLoadData,
  parseLogData,
  readLogCommand,
  selectCommand,
  successData,
} from '../esmart/commands';
import { assertTransactionAmount, purseId, PURSE, type PurseId } from '../esmart/identity';
import { LOG_CAPACITY } from '../esmart/log-record';
import { authFieldFromDigits, formatConfirmationCode, formatRequestCode, parseAuthorizationCode } from '../esmart/offline-codes';
import { EsmartError } from '../esmart/protocol-error';
import { OFFLINE_RANDOM } from '../esmart/transaction-macs';
import { SW } from '../apdu/status-word';
import type { KeyStore } from '../keys/key-store';
import { OFFLINE_CODE_ATTEMPTS, SimulatedCard, type CardState } from './esmart-card';

export type PocketErrorCode =
  | 'mistyped_code'
  | 'wrong_code'
  | 'load_cancelled'
  | 'no_pending_load'
  | 'no_load_yet'
  | 'card_refused';

/** What the pocket's display says when it cannot go on. */
export class PocketError extends Error {
  constructor(
    readonly code: PocketErrorCode,
    message: string,
    readonly attemptsLeft?: number,
  ) {
    super(message);
    this.name = 'PocketError';
  }
}

export interface PocketState {
  format: 'ecom-pocket/1';
  /** The card with its RAM: the pocket stays powered between the request and the authorization. */
  card: CardState;
  pending?: { purse: number; amount: string; attemptsLeft: number };
}

export class EcomPocket {
  #pending: { purse: PurseId; amount: bigint; attemptsLeft: number } | undefined;

  constructor(readonly card: SimulatedCard) {}

  static restore(state: PocketState, keys: KeyStore): EcomPocket {
    if (state?.format !== 'ecom-pocket/1') throw new EsmartError('invalid_field', 'This is not an eCom Pocket state file (format ecom-pocket/1).');
    const pocket = new EcomPocket(SimulatedCard.restore(state.card, keys));
    if (state.pending) {
      pocket.#pending = { purse: purseId(state.pending.purse), amount: BigInt(state.pending.amount), attemptsLeft: state.pending.attemptsLeft };
    }
    return pocket;
  }

  snapshot(): PocketState {
    const p = this.#pending;
    return {
      format: 'ecom-pocket/1',
      card: this.card.snapshot({ withRam: true }),
      ...(p ? { pending: { purse: p.purse, amount: p.amount.toString(), attemptsLeft: p.attemptsLeft } } : {}),
    };
  }

  get pendingLoad(): { purse: PurseId; amount: bigint; attemptsLeft: number } | undefined {
    return this.#pending && { ...this.#pending };
  }

  balances(): { ecash: bigint; food: bigint } {
    this.#select();
    const read = (p: PurseId): bigint => parseBalanceData(this.#exchange(getBalanceCommand(p), 'GET BALANCE'));
    return { ecash: read(PURSE.ecash), food: read(PURSE.food) };
  }

  /** Step 1: the customer picks purse and amount; the display shows the 14-digit request code. */
  requestCode(purse: PurseId, amount: bigint): string {
    assertTransactionAmount(amount);
    this.#select();
    const init = parseInitializeLoadData(
      this.#exchange(initializeLoadCommand({ mode: 'offline', purse, amount, rh: OFFLINE_RANDOM }), 'INITIALIZE LOAD'),
    );
    this.#pending = { purse, amount, attemptsLeft: OFFLINE_CODE_ATTEMPTS };
    return formatRequestCode(init.atc, init.mac1);
  }

  /** Step 2: the customer types the portal's authorization code; the display shows the confirmation code. */
  enterAuthorizationCode(code: string): string {
    const p = this.#pending;
    if (!p) throw new PocketError('no_pending_load', 'No load is waiting for a code; choose the purse and amount first to get a request code.');
    let digits: string;
    try {
      digits = parseAuthorizationCode(code);
    } catch (err) {
      // A typo never reaches the card, so it costs no attempt.
      throw new PocketError('mistyped_code', `${(err as Error).message}`, p.attemptsLeft);
    }
    const response = this.card.process(creditLoadCommand({ mode: 'offline', purse: p.purse, amount: p.amount, auth: authFieldFromDigits(digits) }));
    const sw = response.readUInt16BE(response.length - 2);
    if (sw === SW.SECURITY_STATUS) {
      p.attemptsLeft -= 1;
      if (p.attemptsLeft <= 0) {
        this.#pending = undefined;
        throw new PocketError('load_cancelled', 'Wrong code three times: the card cancelled this load. Start again for a new request code.', 0);
      }
      throw new PocketError('wrong_code', `Wrong authorization code; ${p.attemptsLeft} attempt(s) left. Check the code on the portal.`, p.attemptsLeft);
    }
    if (sw === SW.CONDITIONS_NOT_SATISFIED) {
      this.#pending = undefined;
      throw new PocketError('no_pending_load', 'The card no longer holds this load (it was reset or used meanwhile); start again for a new request code.');
    }
    const credit = parseCreditLoadData(successData(response, 'CREDIT LOAD'));
    this.#pending = undefined;
    return formatConfirmationCode(credit.mac3);
  }

  /** Shows the confirmation code of the card's last load again, from its log. */
  lastConfirmationCode(): string {
    this.#select();
    for (let n = 1; n <= LOG_CAPACITY; n++) {
      const response = this.card.process(readLogCommand(n));
      if (response.readUInt16BE(response.length - 2) === SW.RECORD_NOT_FOUND) break;
      const record = parseLogData(successData(response, 'READ LOG'));
      if (record.type === 'load') return formatConfirmationCode(record.mac);
    }
    throw new PocketError('no_load_yet', 'This card has no load in its log yet.');
  }

  #select(): void {
    // SELECT clears the card's pending slot; the pocket keeps the card selected while a load waits.
    if (this.#pending) return;
    this.#exchange(selectCommand(), 'SELECT');
  }

  #exchange(command: Buffer, name: string): Buffer {
    try {
      return successData(this.card.process(command), name);
    } catch (err) {
      if (err instanceof EsmartError && err.code === 'card_refused') throw new PocketError('card_refused', err.message);
      throw err;
    }
  }
}
