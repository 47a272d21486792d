// A simulated e-Smart card in pcscd's vpcd slot 0 (slot 1 belongs to card-driver's own tests),
// and a reader agent serving that reader.
import { PcscService, SimulatedCard, VpcdCardConnector, type Csn, type KeyStore, type PcscCardReader } from '../../card-driver';
import { ReaderAgent } from '../worker/reader-agent';
import type { Harness } from './harness';

export const VPCD_SLOT0_PORT = Number(process.env.PURSEFLOW_VPCD_PORT ?? 35963);
export const VPCD_SLOT0_READER = 'Virtual PCD 00 00';

export interface ReaderRig {
  readonly readerId: string;
  readonly reader: PcscCardReader;
  readonly agent: ReaderAgent;
  close(): Promise<void>;
}

export async function startReaderRig(h: Harness, readerId: string): Promise<ReaderRig> {
  const pcsc = PcscService.open({ commandTimeoutMs: 3000 });
  const reader = await pcsc.reader(VPCD_SLOT0_READER, 5000);
  const agent = await ReaderAgent.create({ connection: h.nativeConnection, client: h.client, readerId, reader });
  const running = agent.run();
  return {
    readerId,
    reader,
    agent,
    async close() {
      agent.shutdown();
      await running;
      await pcsc.close();
    },
  };
}

function waitFor(reader: PcscCardReader, present: boolean, timeoutMs = 5000): Promise<void> {
  if (reader.cardPresent === present) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const event = present ? 'card-inserted' : 'card-removed';
    const timer = setTimeout(() => reject(new Error(`reader did not report ${event} within ${timeoutMs} ms`)), timeoutMs);
    reader.once(event, () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

export class CardInReader {
  readonly connector: VpcdCardConnector;
  constructor(
    readonly card: SimulatedCard,
    private readonly reader: PcscCardReader,
  ) {
    this.connector = new VpcdCardConnector({ card, port: VPCD_SLOT0_PORT });
  }

  static issue(keys: KeyStore, csn: Csn, reader: PcscCardReader, maxBalance?: bigint): CardInReader {
    return new CardInReader(SimulatedCard.issue(keys, csn, maxBalance === undefined ? {} : { maxBalance }), reader);
  }

  async insert(): Promise<void> {
    await this.connector.insert();
    await waitFor(this.reader, true);
  }

  async remove(): Promise<void> {
    await this.connector.remove();
    await waitFor(this.reader, false);
  }

  /** Tears the card away when the reader sends CREDIT LOAD: before the card sees it, or after it ran. */
  tearAtCredit(stage: 'before-processing' | 'after-processing'): void {
    this.connector.tearOn({ stage, when: (apdu) => apdu[0] === 0x80 && apdu[1] === 0x52 });
  }

  async waitRemoved(): Promise<void> {
    await waitFor(this.reader, false);
  }
}
