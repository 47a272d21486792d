// An ACS ACR30S reader in this process: card-driver's ACR30 simulator on one end of a real socat
// pseudo-terminal pair, the host driver on the other, and a reader agent serving it. No PC/SC, so
// any number of rigs can run side by side (the shared pcscd's slots stay untouched).
import type { Client } from '@temporalio/client';
import type { NativeConnection } from '@temporalio/worker';
import { Acr30Reader, Acr30Simulator } from '../../card-driver';
import { openSocatPair, type SocatPair } from '../../test-support/socat-pair';
import { ReaderAgent } from '../worker/reader-agent';

export interface Acr30Rig {
  readonly readerId: string;
  readonly sim: Acr30Simulator;
  readonly reader: Acr30Reader;
  readonly agent: ReaderAgent;
  /** Kills socat: the serial line is gone for both ends, as when the reader's cable is pulled. */
  unplug(): Promise<void>;
  close(): Promise<void>;
}

/** `replyMs`: how long the host waits for each reply before it NAKs (3 times) and gives up. */
export async function startAcr30Rig(parts: { nativeConnection: NativeConnection; client: Client }, readerId: string, replyMs = 1500): Promise<Acr30Rig> {
  const pair: SocatPair = await openSocatPair();
  const sim = await Acr30Simulator.open({ path: pair.devicePath, card: null, announceReset: false });
  const reader = await Acr30Reader.open({ path: pair.hostPath, timeouts: { controlMs: replyMs, resetMs: replyMs, exchangeMs: replyMs } });
  const agent = await ReaderAgent.create({ connection: parts.nativeConnection, client: parts.client, readerId, reader, lookAgainEveryMs: 1000 });
  const running = agent.run();
  let closed = false;
  return {
    readerId,
    sim,
    reader,
    agent,
    unplug: () => pair.unplug(),
    async close() {
      if (closed) return;
      closed = true;
      agent.shutdown();
      await running.catch(() => undefined);
      await sim.close();
      await pair.close();
    },
  };
}
