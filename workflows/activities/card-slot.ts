// The one card reader a reader agent holds, and the card session in it. A load's INITIALIZE and
// CREDIT must reach the card within one power-up (the pending slot lives in the card's RAM, and a
// SELECT clears it), so the session stays open between activities and every use of the card is
// serialized here.
import { EsmartSession, type ApduChannel, type CardInfo, type PurseId } from '../../card-driver';

/** What the slot needs of card-driver's CardReader (PC/SC or ACR30); its CardReader fits as is. */
export interface SlotReader {
  readonly name: string;
  readonly cardPresent: boolean;
  connect(): Promise<ApduChannel & { readonly open: boolean; disconnect(): Promise<void> }>;
  close(): Promise<void>;
  on(event: 'card-inserted' | 'card-removed', listener: () => void): unknown;
  off(event: 'card-inserted' | 'card-removed', listener: () => void): unknown;
}

export interface SelectedCard {
  readonly session: EsmartSession;
  readonly info: CardInfo;
}

/**
 * The load INITIALIZE LOAD left pending on the card in this power-up and selection. The host's
 * random RH tells two loads of the same card, purse and amount apart (both get the same ATC:
 * the card takes ATC_card + 1 at every INITIALIZE until a credit moves it).
 */
export interface PendingLoad {
  readonly csn: string;
  readonly purse: PurseId;
  readonly amount: bigint;
  readonly rhHex: string;
}

export class CardSlot {
  #connection: Awaited<ReturnType<SlotReader['connect']>> | undefined;
  #selected: SelectedCard | undefined;
  #pendingLoad: PendingLoad | undefined;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(
    readonly readerId: string,
    readonly reader: SlotReader,
  ) {
    // A removed card takes its RAM (and our session) with it; a newly inserted card needs a new
    // power-up. The old handle must not be reused: PC/SC refuses it only at the next command.
    const forget = (): void => {
      this.#selected = undefined;
      this.#pendingLoad = undefined;
      const stale = this.#connection;
      this.#connection = undefined;
      void stale?.disconnect().catch(() => undefined);
    };
    reader.on('card-removed', forget);
    reader.on('card-inserted', forget);
  }

  get cardPresent(): boolean {
    return this.reader.cardPresent;
  }

  /** The CSN of the card in the reader as last selected, if the session is still open. */
  get currentCsn(): string | undefined {
    return this.#connection?.open ? this.#selected?.info.csn : undefined;
  }

  /** Runs `work` with the card to itself: no other activity or watcher sends APDUs meanwhile. */
  exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(work);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /** Powers up (if needed) and SELECTs the application afresh: clears any pending load on the card. */
  async selectFresh(): Promise<SelectedCard> {
    if (!this.#connection?.open) {
      this.#connection = await this.reader.connect();
    }
    // The SELECT below clears the card's pending slot: whatever load was pending is gone with it.
    this.#pendingLoad = undefined;
    const session = new EsmartSession(this.#connection);
    const info = await session.select();
    this.#selected = { session, info };
    return this.#selected;
  }

  /**
   * The CSN of the card in the reader, for a look that only needs to know whose card it is: taken
   * from the open session when there is one, SELECTed only when there is none. A session open now
   * was opened after the last card event (each event forgets the session), so it names the card
   * now in the reader; SELECTing it again would clear the load a download may hold pending on it
   * (an announcement reaches the host only when the reader is idle, so it can trail the download's
   * own power-up and INITIALIZE LOAD).
   */
  identify(): Promise<string> {
    return this.exclusive(async () => this.currentCsn ?? (await this.selectFresh()).info.csn);
  }

  /** INITIALIZE LOAD answered in the current session: the card now holds this load pending. */
  loadInitialized(load: PendingLoad): void {
    this.#pendingLoad = load;
  }

  /**
   * The session INITIALIZE LOAD ran in, if the card holds that very load pending: it has not left
   * the reader, been powered up anew or SELECTed again since (by another activity, or the agent
   * reading a newly inserted card), nor INITIALIZEd another load since (another download of the
   * same card, purse and amount: its RH differs). Otherwise CREDIT LOAD must not be sent at all,
   * since its MAC2 would answer another load's challenge. Claiming forgets
   * the load: CREDIT LOAD goes out at most once per INITIALIZE LOAD.
   */
  claimPendingLoad(load: PendingLoad): SelectedCard | undefined {
    const pending = this.#pendingLoad;
    if (!this.#connection?.open || !this.#selected || !pending) {
      this.#pendingLoad = undefined;
      return undefined;
    }
    const same = pending.csn === load.csn && pending.purse === load.purse && pending.amount === load.amount && pending.rhHex === load.rhHex && this.#selected.info.csn === load.csn;
    // Another download's pending load stays claimable by that download.
    if (!same) return undefined;
    this.#pendingLoad = undefined;
    return this.#selected;
  }

  async close(): Promise<void> {
    this.#selected = undefined;
    this.#pendingLoad = undefined;
    await this.#connection?.disconnect().catch(() => undefined);
    this.#connection = undefined;
    await this.reader.close();
  }
}
