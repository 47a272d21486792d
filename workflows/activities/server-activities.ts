// The activities of the server worker: the registry, the ledger and the key store. Keys and MACs
// that unlock money stay here; what leaves is what the spec makes public (MAC1/MAC3 travel through
// the reader anyway) and MAC2 / the authorization code only after the reservation exists.
import { randomBytes } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { activityInfo } from '@temporalio/activity';
import { accountBalance, isTransferApplied, type CreateTransferResult, type Ledger } from '../../ledger';
import { decodeLogRecord, type KeyStore } from '../../card-driver';
import { formatMoney, Registry, RegistryError, TRANSFER_CODE, transferIdFor, type PurseName } from '../registry';
import type { DownloadFailureCode } from '../download/download-contract';
import { bytesOf, csnOf, hex, loadCreditOf, loadSessionOf, minorOf, purseIdOf, type LoadCreditPayload, type LoadSessionPayload } from './load-payloads';
import { judgeLog, provesCredit, type LoadProof } from './load-proof';

export interface ServerActivityDeps {
  readonly registry: Registry;
  readonly ledger: Ledger;
  readonly keys: KeyStore;
}

/** Which download a ledger step belongs to; the transfer id is derived from it, never random. */
export interface DownloadKey {
  workflowId: string;
  originalRunId: string;
}

interface ReservationRequest {
  key: DownloadKey;
  purse: PurseName;
  amountMinor: string;
  sourceAccountId: string;
  floatAccountId: string;
}

interface PostingRequest {
  key: DownloadKey;
  csn: string;
  purse: PurseName;
  amountMinor: string;
}

export interface CardCheck {
  customerId: string;
  sourceAccountId: string;
  floatAccountId: string;
  /** Fresh host random for INITIALIZE LOAD, drawn here so that a reader PC cannot choose it. */
  rhHex: string;
}

export type CodeVerdict = { valid: true; atc?: number } | { valid: false; reason: 'format' | 'check_digit' | 'mac_mismatch'; message: string };

/** A business refusal: the workflow must not retry it, and the customer can act on the message. */
export function refusal(code: DownloadFailureCode, message: string, details?: unknown): ApplicationFailure {
  return ApplicationFailure.create({ type: code, message, nonRetryable: true, details: details === undefined ? undefined : [details] });
}

/** The ledger said something that can only be a bug or a broken invariant: stop, loudly, for a person. */
function ledgerBroken(step: string, transferId: string, result: CreateTransferResult): ApplicationFailure {
  return ApplicationFailure.create({
    type: 'ledger_inconsistent',
    nonRetryable: true,
    message: `The ledger answered ${result} to the ${step} of transfer ${transferId}; this download needs an operator (run purseflow ledger check).`,
  });
}

export function createServerActivities(deps: ServerActivityDeps) {
  const { registry, ledger, keys } = deps;

  const pendingOf = (key: DownloadKey): string => transferIdFor({ ...key, step: 'reserve' });

  return {
    /** Is the card ours and usable, and can its owner afford the load? Draws RH for the online load. */
    async checkCardForDownload(input: { csn: string; purse: PurseName; amountMinor: string; customerId?: string }): Promise<CardCheck> {
      let facts;
      try {
        facts = await registry.cardForDownload(input.csn, input.purse);
      } catch (err) {
        if (err instanceof RegistryError && err.code === 'card_unknown') {
          throw refusal('card_unknown', `Card ${input.csn} is not registered to any customer; register it first (purseflow cards issue) or check the number.`);
        }
        throw err;
      }
      // Before anything else about the card: another customer's card tells nothing of its state or funds.
      if (input.customerId !== undefined && facts.customer.id !== input.customerId) {
        throw refusal('card_not_yours', `Card ${input.csn} is not registered to you; nothing was reserved. Check the card number, or ask support to register the card to you.`);
      }
      if (facts.card.status === 'blocked') {
        throw refusal('card_blocked', `Card ${input.csn} is blocked (${facts.card.blockedReason}); nothing can be loaded onto it. The customer should contact support.`);
      }
      const [source] = await ledger.lookupAccounts([facts.sourceAccountId]);
      if (!source) throw ApplicationFailure.create({ type: 'registry_inconsistent', nonRetryable: true, message: `The ledger has no account ${facts.sourceAccountId} for customer ${facts.customer.id}; re-enrol the customer (idempotent).` });
      const available = accountBalance(source).available;
      if (available < minorOf(input.amountMinor)) {
        throw refusal('insufficient_funds', `The ${input.purse === 'ecash' ? 'virtual' : 'food-voucher'} account of customer ${facts.customer.id} holds ${formatMoney(available)} available, less than the ${formatMoney(minorOf(input.amountMinor))} asked; deposit first or ask for less.`);
      }
      return { customerId: facts.customer.id, sourceAccountId: facts.sourceAccountId, floatAccountId: facts.floatAccountId, rhHex: hex(randomBytes(8)) };
    },

    /** MAC1 proves a genuine card answered INITIALIZE LOAD (the step of downloads started before the workflow's download-lean-steps patch). */
    async verifyMac1(input: { session: LoadSessionPayload; mac1Hex: string }): Promise<void> {
      assertGenuine(input.session, input.mac1Hex);
    },

    /** Reserves the amount (pending transfer customer → float), idempotent by the download's key. */
    // csn and atc stay in the input: recorded downloads carry them.
    async reserveLoad(input: ReservationRequest & { csn: string; atc: number }): Promise<{ reservationId: string }> {
      return { reservationId: await reserve(input) };
    },

    /** MAC2, the card's authorization to credit; only ever asked for after the reservation (downloads started before download-lean-steps). */
    async authorizeOnlineLoad(input: { key: DownloadKey; session: LoadSessionPayload }): Promise<{ mac2Hex: string }> {
      await assertReserved(input.key);
      return { mac2Hex: hex(keys.mac2(loadSessionOf(input.session))) };
    },

    /**
     * The server's whole answer to INITIALIZE LOAD in one step: MAC1 (a genuine card), the
     * reservation, then MAC2. One local activity instead of three (each costs the worker a workflow
     * activation); the order inside is the money rule's: MAC2 exists only once the reservation does.
     * A MAC2 the key store cannot compute comes back as `unauthorized`, not thrown, because the
     * reservation already stands and the workflow must void it with that proof.
     */
    async reserveAndAuthorizeLoad(input: {
      key: DownloadKey;
      session: LoadSessionPayload;
      mac1Hex: string;
      sourceAccountId: string;
      floatAccountId: string;
    }): Promise<{ reservationId: string; mac2Hex: string } | { reservationId: string; unauthorized: string }> {
      const { session } = input;
      assertGenuine(session, input.mac1Hex);
      const reservationId = await reserve({ ...input, purse: session.purse, amountMinor: session.amountMinor });
      try {
        return { reservationId, mac2Hex: hex(keys.mac2(loadSessionOf(session))) };
      } catch (err) {
        // The key store's own message: it never carries key material (card-driver's KeyStore contract).
        return { reservationId, unauthorized: err instanceof Error ? err.message : String(err) };
      }
    },

    /**
     * Posts the load only if MAC3 proves the credit: one local activity instead of two. A MAC3
     * that does not verify (or is not even 4 bytes) posts nothing and says so; the workflow then
     * proves the outcome from the card's log.
     */
    async postLoadOnMac3(input: { key: DownloadKey; credit: LoadCreditPayload; mac3Hex: string }): Promise<{ posted: true; transferId: string } | { posted: false; reason: string }> {
      let valid: boolean;
      try {
        valid = mac3Proves(input.credit, input.mac3Hex);
      } catch (err) {
        return { posted: false, reason: `MAC3 could not be checked: ${err instanceof Error ? err.message : String(err)}` };
      }
      if (!valid) return { posted: false, reason: 'the MAC3 of CREDIT LOAD does not verify' };
      const { transferId } = await post({ key: input.key, csn: input.credit.csn, purse: input.credit.purse, amountMinor: input.credit.amountMinor });
      return { posted: true, transferId };
    },

    /** Does MAC3 prove CREDIT LOAD (downloads started before download-lean-steps)? */
    async verifyMac3(input: { credit: LoadCreditPayload; mac3Hex: string }): Promise<{ valid: boolean }> {
      return { valid: mac3Proves(input.credit, input.mac3Hex) };
    },

    /** Judges the card's log (hex records, newest first) against this load. */
    async judgeCardLog(input: { credit: LoadCreditPayload; recordsHex: string[] }): Promise<LoadProof> {
      const records = input.recordsHex.map((r) => decodeLogRecord(bytesOf(r, 28, 'log record')));
      return judgeLog(keys, loadCreditOf(input.credit), records);
    },

    /** One record handed over as evidence: does it prove the credit? */
    async judgeLogRecordEvidence(input: { credit: LoadCreditPayload; recordHex: string }): Promise<{ proves: boolean; balanceAfterMinor?: string }> {
      let record;
      try {
        record = decodeLogRecord(bytesOf(input.recordHex.replace(/\s+/g, ''), 28, 'log record'));
      } catch {
        return { proves: false };
      }
      const proves = provesCredit(keys, loadCreditOf(input.credit), record);
      return proves ? { proves, balanceAfterMinor: record.balanceAfter.toString() } : { proves };
    },

    /** Posts the reservation and counts the load into the card's shadow balance; idempotent. */
    async postLoad(input: PostingRequest): Promise<{ transferId: string }> {
      return post(input);
    },

    /** Voids the reservation (only ever called with proof that the card was not credited); idempotent. */
    async voidLoad(input: { key: DownloadKey }): Promise<{ transferId: string; reserved: boolean }> {
      const pendingId = pendingOf(input.key);
      const id = transferIdFor({ ...input.key, step: 'void' });
      const [outcome] = await ledger.createTransfers([{ id, pendingId, flags: { voidPendingTransfer: true } }]);
      if (isTransferApplied(outcome.result)) return { transferId: id, reserved: true };
      // The reservation never reached the ledger: there is nothing to release.
      if (outcome.result === 'pending_transfer_not_found') return { transferId: id, reserved: false };
      throw ledgerBroken('void', pendingId, outcome.result);
    },

    /** Offline: is this request code the card's, for this purse and amount? Gives the card's ATC. */
    async verifyRequestCode(input: { csn: string; purse: PurseName; amountMinor: string; code: string }): Promise<CodeVerdict> {
      const check = keys.verifyRequestCode({ csn: csnOf(input.csn), purse: purseIdOf(input.purse), amount: minorOf(input.amountMinor) }, input.code);
      return check.valid ? { valid: true, atc: check.atc } : { valid: false, reason: check.reason, message: check.message };
    },

    /** Offline: the authorization code; refuses unless the reservation exists. */
    async offlineAuthorizationCode(input: { key: DownloadKey; credit: LoadCreditPayload }): Promise<{ code: string }> {
      await assertReserved(input.key);
      return { code: keys.authorizationCode(loadCreditOf(input.credit)) };
    },

    /** Offline: does the confirmation code prove the credit? */
    async verifyConfirmationCode(input: { credit: LoadCreditPayload; code: string }): Promise<CodeVerdict> {
      const check = keys.verifyConfirmationCode(loadCreditOf(input.credit), input.code);
      return check.valid ? { valid: true } : { valid: false, reason: check.reason, message: check.message };
    },
  };

  /** MAC1 proves a genuine card answered INITIALIZE LOAD; otherwise a refusal, before anything is reserved. */
  function assertGenuine(session: LoadSessionPayload, mac1Hex: string): void {
    if (!keys.verifyMac1(loadSessionOf(session), bytesOf(mac1Hex, 4, 'MAC1'))) {
      throw refusal('card_not_genuine', `Card ${session.csn} answered with a MAC1 that does not verify: it is not a genuine card of ours. Nothing was reserved; keep the card aside.`);
    }
  }

  function mac3Proves(credit: LoadCreditPayload, mac3Hex: string): boolean {
    return keys.verifyMac3(loadCreditOf(credit), bytesOf(mac3Hex, 4, 'MAC3'));
  }

  /** Reserves the amount (pending transfer customer → float), idempotent by the download's key. */
  async function reserve(input: ReservationRequest): Promise<string> {
    const id = pendingOf(input.key);
    const [outcome] = await ledger.createTransfers([
      {
        id,
        debitAccountId: input.sourceAccountId,
        creditAccountId: input.floatAccountId,
        amount: minorOf(input.amountMinor),
        code: input.purse === 'ecash' ? TRANSFER_CODE.downloadEcash : TRANSFER_CODE.downloadFood,
        flags: { pending: true },
        userData: `${input.key.workflowId}`.slice(0, 128),
      },
    ]);
    if (isTransferApplied(outcome.result)) return id;
    if (outcome.result === 'exceeds_credits' || outcome.result === 'id_already_failed') {
      throw refusal('insufficient_funds', `The account cannot cover ${formatMoney(minorOf(input.amountMinor))} any more (another download or payment took it first); nothing was reserved. Deposit first or ask for less.`);
    }
    throw ledgerBroken('reservation', id, outcome.result);
  }

  /** Posts the reservation and counts the load into the card's shadow balance; idempotent. */
  async function post(input: PostingRequest): Promise<{ transferId: string }> {
    const pendingId = pendingOf(input.key);
    const id = transferIdFor({ ...input.key, step: 'post' });
    const [outcome] = await ledger.createTransfers([{ id, pendingId, flags: { postPendingTransfer: true } }]);
    if (!isTransferApplied(outcome.result)) throw ledgerBroken('post', pendingId, outcome.result);
    await registry.recordPurseMovement({ key: pendingId, csn: input.csn, purse: input.purse, kind: 'load', amountMinor: minorOf(input.amountMinor) });
    return { transferId: id };
  }

  async function assertReserved(key: DownloadKey): Promise<void> {
    const id = pendingOf(key);
    const [transfer] = await ledger.lookupTransfers([id]);
    if (!transfer || !transfer.flags.pending) {
      throw ApplicationFailure.create({
        type: 'not_reserved',
        nonRetryable: true,
        message: `No reservation ${id} for ${key.workflowId} (attempt ${activityInfo().attempt}); the authorization is only issued after the money is reserved. This is a bug in workflows/.`,
      });
    }
  }
}

export type ServerActivities = ReturnType<typeof createServerActivities>;
