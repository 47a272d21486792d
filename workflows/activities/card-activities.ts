// The activities of the reader agent: card commands only, no keys, no database. Each maps the
// card's and the reader's typed errors to Temporal failures whose type says what the workflow may
// conclude (a refusal, or an outcome it must prove from the card's log).
import { ApplicationFailure } from '@temporalio/common';
import { activityInfo, heartbeat, sleep } from '@temporalio/activity';
import { encodeLogRecord, EsmartError, SW, type PurseId } from '../../card-driver';
import type { PurseName } from '../download/download-contract';
import type { CardSlot } from './card-slot';
import { formatMoney } from '../registry/money';
import { bytesOf, csnOf, hex, minorOf, purseIdOf } from './load-payloads';

export interface CardSnapshot {
  csn: string;
  currency: string;
  maxBalanceMinor: string;
  balancesMinor: { ecash: string; food: string };
}

export interface InitializeLoadOutcome {
  atc: number;
  balanceBeforeMinor: string;
  rcHex: string;
  mac1Hex: string;
}

export interface CreditLoadOutcome {
  newBalanceMinor: string;
  mac3Hex: string;
}

export interface CardLog {
  /** ATC_card: the ATC of the newest record, 0 for an empty log. */
  atcCard: number;
  /** READ LOG 1..n, newest first, 28 bytes each as hex. */
  recordsHex: string[];
}

/** How the reader agent reports itself in heartbeats (Web UI: pending activity → heartbeat details). */
export interface ReaderHeartbeat {
  readerId: string;
  reader: string;
  cardPresent: boolean;
  csn?: string;
}

const CARD_POLL_MS = 200;

function failure(type: string, message: string, nonRetryable: boolean): ApplicationFailure {
  return ApplicationFailure.create({ type, message, nonRetryable });
}

function readerFate(err: unknown): 'not_sent' | 'unknown' | undefined {
  const fate = (err as { fate?: unknown } | null)?.fate;
  return fate === 'not_sent' || fate === 'unknown' ? fate : undefined;
}

export function createCardActivities(slot: CardSlot) {
  function beat(): void {
    const report: ReaderHeartbeat = { readerId: slot.readerId, reader: slot.reader.name, cardPresent: slot.cardPresent, csn: slot.currentCsn };
    heartbeat(report);
  }

  /**
   * Waits (heartbeating) until a card is in the reader; a retryable failure after `waitMs`. A card
   * already there costs no heartbeat: each one is a write on the server, and a step that ends at
   * once has nothing to report that its result does not.
   */
  async function cardInReader(waitMs: number): Promise<void> {
    const deadline = Date.now() + Math.max(0, waitMs);
    for (;;) {
      if (slot.cardPresent) return;
      beat();
      if (Date.now() >= deadline) throw failure('card_absent', `No card in reader ${slot.readerId} (${slot.reader.name}); present the card.`, false);
      await sleep(CARD_POLL_MS);
    }
  }

  /**
   * Runs a card step alone on the reader (`slot.exclusive`), heartbeating only if it outlasts half
   * the heartbeat time-out (a slow serial line, a queue on the reader): the server then still sees
   * the agent alive, while the usual step of a few hundred milliseconds sends none.
   */
  async function cardStep<T>(step: () => Promise<T>): Promise<T> {
    const timeoutMs = activityInfo().heartbeatTimeoutMs;
    if (!timeoutMs) return slot.exclusive(step);
    const timer = setInterval(beat, Math.max(100, Math.floor(timeoutMs / 2)));
    try {
      return await slot.exclusive(step);
    } finally {
      clearInterval(timer);
    }
  }

  function assertCard(actual: string, expected: string): void {
    if (actual !== expected) {
      throw failure('wrong_card', `Reader ${slot.readerId} holds card ${actual}, not ${expected}; insert the right card and start again.`, true);
    }
  }

  return {
    /** SELECT and both balances: what the card says about itself (no keys needed). */
    async readCard(input: { waitForCardMs: number }): Promise<CardSnapshot> {
      await cardInReader(input.waitForCardMs);
      return cardStep(async () => {
        const { session, info } = await slot.selectFresh();
        const balances = await session.balances();
        return { csn: info.csn, currency: info.currency, maxBalanceMinor: info.maxBalance.toString(), balancesMinor: { ecash: balances.ecash.toString(), food: balances.food.toString() } };
      });
    },

    /** SELECT + INITIALIZE LOAD (online) with the server's RH; leaves the card's pending slot set. */
    async initializeLoad(input: { csn: string; purse: PurseName; amountMinor: string; rhHex: string; waitForCardMs: number }): Promise<InitializeLoadOutcome> {
      const purse: PurseId = purseIdOf(input.purse);
      const amount = minorOf(input.amountMinor);
      const rh = bytesOf(input.rhHex, 8, 'RH');
      await cardInReader(input.waitForCardMs);
      return cardStep(async () => {
        const { session, info } = await slot.selectFresh();
        assertCard(info.csn, csnOf(input.csn));
        try {
          const answer = await session.initializeLoad({ mode: 'online', purse, amount, rh });
          slot.loadInitialized({ csn: info.csn, purse, amount, rhHex: hex(rh) });
          return { atc: answer.atc, balanceBeforeMinor: answer.balance.toString(), rcHex: hex(answer.rc), mac1Hex: hex(answer.mac1) };
        } catch (err) {
          if (err instanceof EsmartError && err.code === 'card_refused' && err.sw === SW.MAXBAL_EXCEEDED) {
            throw failure('over_purse_limit', `Loading ${formatMoney(amount)} would take the ${input.purse} purse of card ${info.csn} over its limit of ${formatMoney(info.maxBalance)}; ask for less.`, true);
          }
          if (err instanceof EsmartError && err.code === 'card_refused') {
            throw failure('card_unreadable', `Card ${info.csn} refused INITIALIZE LOAD: ${err.message}`, true);
          }
          throw err;
        }
      });
    },

    /**
     * CREDIT LOAD in the session INITIALIZE LOAD opened. Never retried: whatever goes wrong after
     * the command may have left, the workflow proves the outcome from the card's log instead.
     */
    async creditLoad(input: { csn: string; purse: PurseName; amountMinor: string; rhHex: string; mac2Hex: string }): Promise<CreditLoadOutcome> {
      const purse = purseIdOf(input.purse);
      const amount = minorOf(input.amountMinor);
      const rhHex = hex(bytesOf(input.rhHex, 8, 'RH'));
      const auth = bytesOf(input.mac2Hex, 4, 'MAC2');
      return cardStep(async () => {
        const open = slot.claimPendingLoad({ csn: input.csn, purse, amount, rhHex });
        if (!open) {
          throw failure('credit_not_sent', `Card ${input.csn} no longer holds the load INITIALIZE LOAD left pending in reader ${slot.readerId} (taken out, powered up anew or selected again since); CREDIT LOAD was not sent.`, true);
        }
        try {
          const answer = await open.session.creditLoad({ mode: 'online', purse, amount, auth });
          return { newBalanceMinor: answer.newBalance.toString(), mac3Hex: hex(answer.mac3) };
        } catch (err) {
          if (err instanceof EsmartError && err.code === 'card_refused') {
            throw failure('credit_refused', `Card ${input.csn} refused CREDIT LOAD: ${err.message}`, true);
          }
          const fate = readerFate(err);
          const message = err instanceof Error ? err.message : String(err);
          if (fate === 'not_sent') throw failure('credit_not_sent', `CREDIT LOAD was not sent: ${message}`, true);
          throw failure('credit_outcome_unknown', `CREDIT LOAD got no trustworthy answer: ${message}`, true);
        }
      });
    },

    /** Waits for the card, SELECTs it and reads its whole log (read-only: safe to repeat). */
    async readCardLog(input: { csn: string; waitForCardMs: number }): Promise<CardLog> {
      await cardInReader(input.waitForCardMs);
      return cardStep(async () => {
        const { session, info } = await slot.selectFresh();
        if (info.csn !== input.csn) {
          throw failure('wrong_card_present', `Reader ${slot.readerId} holds card ${info.csn}, not ${input.csn}; present card ${input.csn}.`, false);
        }
        const records = await session.readWholeLog();
        return { atcCard: records[0]?.atc ?? 0, recordsHex: records.map((r) => hex(encodeLogRecord(r))) };
      });
    },
  };
}

export type CardActivities = ReturnType<typeof createCardActivities>;
