/**
 * The faults of the chaos suite, one at a time: what each breaks and how the deployment heals it.
 * Killed processes come back the way a process supervisor (systemd, Kubernetes, compose's restart
 * policy) brings them back: started again at once. A pulled card goes back into its reader and a
 * cut network comes back after its outage.
 */
import { isAlive } from './process-liveness';
import { restartProductionPostgres, restartTemporalServices, temporalServicePid, TEMPORAL_SERVICES, type TemporalService } from '../services';
import type { ChaosWorld } from './chaos-world';
import type { ChaosLoad } from './load';
import type { SeededRandom } from './seeded-random';

export const FAULT_KINDS = [
  'worker_kill',
  'reader_agent_kill',
  'history_kill',
  'matching_kill',
  'frontend_kill',
  'postgres_restart',
  'card_pull',
  'network_cut',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** How a card leaves its reader: at a seeded moment of a download, or torn away just before or just after CREDIT LOAD. */
const CARD_PULLS = ['at_a_moment', 'torn_before_credit', 'torn_after_credit'] as const;

export interface FaultTimings {
  /** How long a pulled card stays out, at most (seeded, from a quarter of it). */
  readonly cardOutMs: number;
  /** How long a reader agent stays cut off from the network. */
  readonly networkCutMs: number;
}

export interface InjectedFault {
  readonly kind: FaultKind;
  readonly target: string;
  /** When the fault struck (ms since the epoch). */
  readonly at: number;
  /** When the broken part was back: restarted and ready, card back in, link up. */
  readonly healedAt: number;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function killTemporalService(world: ChaosWorld, service: TemporalService): Promise<void> {
  const pid = temporalServicePid(world.config, service);
  if (pid === undefined) throw new Error(`temporal-${service} is not running; nothing to kill`);
  process.kill(pid, 'SIGKILL');
  while (isAlive(pid)) await sleep(20);
}

const SERVICE_OF: Partial<Record<FaultKind, TemporalService>> = { history_kill: 'history', matching_kill: 'matching', frontend_kill: 'frontend' };

export async function injectFault(kind: FaultKind, world: ChaosWorld, load: ChaosLoad, random: SeededRandom, timings: FaultTimings): Promise<InjectedFault> {
  switch (kind) {
    case 'worker_kill': {
      const slot = random.pick(world.workers);
      const at = Date.now();
      if (slot.child) await world.children.kill9(slot.child);
      await world.startWorker(slot);
      return { kind, target: `server-worker-${slot.index}`, at, healedAt: Date.now() };
    }
    case 'reader_agent_kill': {
      const reader = random.pick(world.readers);
      const at = Date.now();
      if (reader.agent) await world.children.kill9(reader.agent);
      await world.startAgent(reader);
      return { kind, target: `reader-agent-${reader.readerId}`, at, healedAt: Date.now() };
    }
    case 'history_kill':
    case 'matching_kill':
    case 'frontend_kill': {
      const service = SERVICE_OF[kind] as TemporalService;
      const at = Date.now();
      await killTemporalService(world, service);
      await restartTemporalServices(world.config, world.serverBinary);
      return { kind, target: `temporal-${service}`, at, healedAt: Date.now() };
    }
    case 'postgres_restart': {
      const at = Date.now();
      await restartProductionPostgres(world.config);
      return { kind, target: 'postgresql', at, healedAt: Date.now() };
    }
    case 'card_pull': {
      const reader = random.pick(world.readers);
      const outMs = random.int(Math.ceil(timings.cardOutMs / 4), timings.cardOutMs);
      const how = random.pick(CARD_PULLS);
      const lead = random.int(0, 1200);
      let at: number;
      if (how === 'at_a_moment') {
        // Mid-load: wait until the reader's lane has a download in hand, then a seeded moment into it.
        const lane = load.laneOf(reader);
        const waitUntil = Date.now() + 15_000;
        while (lane && lane.current === undefined && Date.now() < waitUntil) await sleep(20);
        await sleep(lead);
        at = Date.now();
        reader.sim.remove();
      } else {
        // Torn away exactly around CREDIT LOAD: before it, the credit never happened; after it, only the card's log knows.
        reader.card.tearAt(how === 'torn_before_credit' ? 'before-credit' : 'after-credit');
        const waitUntil = Date.now() + 60_000;
        while (reader.sim.cardInserted && Date.now() < waitUntil) await sleep(10);
        if (reader.sim.cardInserted) throw new Error(`card ${reader.card.csn} was not torn within a minute: no download reached CREDIT LOAD on ${reader.readerId}`);
        at = Date.now();
      }
      await sleep(outMs);
      reader.sim.insert(reader.card);
      return { kind, target: `card ${reader.card.csn} in ${reader.readerId}, ${how.replace(/_/g, ' ')} (out ${(outMs / 1000).toFixed(1)} s)`, at, healedAt: Date.now() };
    }
    case 'network_cut': {
      const reader = random.pick(world.readers);
      const at = Date.now();
      await reader.network.cut();
      try {
        await sleep(timings.networkCutMs);
      } finally {
        await reader.network.restore();
      }
      return { kind, target: `reader-agent-${reader.readerId} (${world.networkKind}, ${(timings.networkCutMs / 1000).toFixed(0)} s)`, at, healedAt: Date.now() };
    }
  }
}

/**
 * What a supervisor does after every fault: any of our processes that died (the fault's victim, or a
 * part that fell over with it) is started again. Returns what had to be restarted.
 */
export async function restartWhatDied(world: ChaosWorld): Promise<string[]> {
  const restarted: string[] = [];
  const deadServices = TEMPORAL_SERVICES.filter((s) => temporalServicePid(world.config, s) === undefined);
  if (deadServices.length > 0) {
    await restartTemporalServices(world.config, world.serverBinary);
    restarted.push(...deadServices.map((s) => `temporal-${s}`));
  }
  for (const slot of world.workers) {
    if (!slot.child?.alive()) {
      await world.startWorker(slot);
      restarted.push(`server-worker-${slot.index}`);
    }
  }
  for (const reader of world.readers) {
    if (!reader.agent?.alive()) {
      await world.startAgent(reader);
      restarted.push(`reader-agent-${reader.readerId}`);
    }
  }
  return restarted;
}
