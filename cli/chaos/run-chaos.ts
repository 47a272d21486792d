/**
 * One chaos run: bring up the isolated production profile and the load, then inject the faults one
 * at a time at seeded moments; after each, wait for the load to recover and audit; at the end stop
 * the load, let everything in hand finish, and audit once more with nothing left in doubt.
 */
import type { SimulatedCard } from '../../card-driver';
import { auditChaos, type AuditFindings } from './audit';
import type { ChaosOptions } from './chaos-options';
import { openChaosWorld, type ChaosWorld } from './chaos-world';
import { injectFault, restartWhatDied, type InjectedFault } from './faults';
import { ChaosLoad, type Lane } from './load';
import { SeededRandom, streamSeed } from './seeded-random';

export interface FaultFigure extends InjectedFault {
  /** When every lane had finished an operation started after the fault (ms since the epoch); undefined: never. */
  readonly recoveredAt?: number;
  readonly collateralRestarts: readonly string[];
  readonly findings: AuditFindings;
}

export interface ChaosReport {
  readonly seed: number;
  /** The run's data folder (removed at the end unless kept): every process of the run names it. */
  readonly dataDir: string;
  /** Every process the run started itself (workers, agents, socat). */
  readonly spawnedPids: readonly number[];
  readonly startedAt: number;
  readonly endedAt: number;
  readonly networkKind: string;
  readonly networkNote?: string;
  readonly faults: readonly FaultFigure[];
  readonly operations: {
    readonly connected: Record<string, number>;
    readonly offline: Record<string, number>;
    readonly settlements: number;
    readonly purchasesSettled: number;
    /** How the ended downloads were proven: the card's MAC3 at once, its log read back later, a code… */
    readonly proofs: Record<string, number>;
  };
  readonly final: AuditFindings;
  readonly anomalies: readonly string[];
  /** lost, doubled, unreconciled over every audit (mid-run and final). */
  readonly lost: number;
  readonly doubled: number;
  readonly unreconciled: number;
  readonly passed: boolean;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Every download lane has posted a download it started after `since`, and no settlement from before it is still running. */
function recovered(lanes: readonly Lane[], since: number): boolean {
  return lanes.every((lane) =>
    lane.kind === 'settlement'
      ? lane.current === undefined || lane.current.startedAt >= since
      : lane.successes.some((s) => s.startedAt >= since),
  );
}

/** The moment the load had recovered from a fault at `since`: the latest of each download lane's first fresh success. */
function recoveryMoment(lanes: readonly Lane[], since: number): number {
  let moment = since;
  for (const lane of lanes) {
    if (lane.kind === 'settlement') continue;
    const first = lane.successes.find((s) => s.startedAt >= since);
    if (first) moment = Math.max(moment, first.endedAt);
  }
  return moment;
}

async function waitRecovered(load: ChaosLoad, since: number, timeoutMs: number): Promise<number | undefined> {
  const deadline = since + timeoutMs;
  while (Date.now() < deadline) {
    if (recovered(load.lanes, since)) return recoveryMoment(load.lanes, since);
    await sleep(100);
  }
  return undefined;
}

/** The kind of proof a download ended on, from the workflow's own wording (download-workflow.ts). */
export function proofKind(proof: string): string {
  if (proof.startsWith('MAC3 of CREDIT LOAD')) return 'mac3';
  if (proof.startsWith('log record')) return 'card_log_credit';
  if (proof.startsWith('card log read')) return 'card_log_no_credit';
  if (/CREDIT LOAD (never reached|was not sent)|no authorization was ever issued/.test(proof)) return 'credit_not_sent';
  if (proof.startsWith('confirmation code')) return 'confirmation_code';
  if (proof.startsWith('fresh request code')) return 'fresh_request_code';
  return 'other';
}

function count(findings: readonly AuditFindings[], key: keyof AuditFindings): number {
  return findings.reduce((n, f) => n + f[key].length, 0);
}

function tally(ops: readonly { outcome?: string; refusal?: string }[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const op of ops) {
    const key = op.outcome === 'refused' ? `refused:${op.refusal}` : (op.outcome ?? 'unfinished');
    out[key] = (out[key] ?? 0) + 1;
  }
  return out;
}

export async function runChaos(options: ChaosOptions, log: (line: string) => void = (line) => process.stderr.write(`${line}\n`)): Promise<ChaosReport> {
  // The fault schedule draws from stream 0 alone, so it replays from the seed whatever the load's timing.
  const random = new SeededRandom(streamSeed(options.seed, 0));
  log(`chaos: seed ${options.seed} (replay with PURSEFLOW_CHAOS_SEED=${options.seed} or --seed ${options.seed})`);
  const startedAt = Date.now();
  const world: ChaosWorld = await openChaosWorld({
    connectedReaders: options.connectedReaders,
    offlineCards: options.offlineCards,
    serverWorkers: options.serverWorkers,
    keepDataDir: options.keepDataDir,
    log,
  });
  const cards = new Map<string, SimulatedCard>([...world.readers.map((r) => [r.card.csn, r.card] as const), ...world.pockets.map((p) => [p.csn, p.pocket.card] as const)]);
  const load = new ChaosLoad(world, options.seed, {
    timing: { readerPickupMs: 10_000, cardStepMs: 5_000, recoveryRetryMs: 1_500, remindAfterMs: 10 * 60_000, operatorAfterMs: 60 * 60_000 },
    settleEveryMs: options.settleEveryMs,
    operationTimeoutMs: options.recoveryTimeoutMs + 60_000,
    tag: `${options.seed}-${startedAt}`,
  });
  const faults: FaultFigure[] = [];
  const audit = (final: boolean) => auditChaos({ db: world.db, downloads: world.downloads, book: load.book, cards, final });
  let final: AuditFindings = { lost: [], doubled: [], unreconciled: [] };
  try {
    load.start();
    // The load runs on its own for a moment: every lane has succeeded once before the first fault.
    const warm = await waitRecovered(load, startedAt, options.recoveryTimeoutMs);
    if (warm === undefined) throw new Error(`the load did not get going within ${options.recoveryTimeoutMs / 1000} s; see the logs in ${world.dataDir}/logs (--keep keeps them)`);
    log(`chaos: load running (${load.lanes.length} lanes) after ${((warm - startedAt) / 1000).toFixed(1)} s`);
    const schedule = Array.from({ length: options.rounds }, () => random.shuffle(options.faults)).flat();
    for (const [i, kind] of schedule.entries()) {
      await sleep(random.int(Math.floor(options.maxGapMs / 4), options.maxGapMs));
      log(`chaos: fault ${i + 1}/${schedule.length}: ${kind}`);
      const fault = await injectFault(kind, world, load, random, { cardOutMs: options.cardOutMs, networkCutMs: options.networkCutMs });
      const collateralRestarts = await restartWhatDied(world);
      const recoveredAt = await waitRecovered(load, fault.at, options.recoveryTimeoutMs);
      const findings = await audit(false);
      const figure: FaultFigure = { ...fault, recoveredAt, collateralRestarts, findings };
      faults.push(figure);
      log(`chaos:   ${fault.target}: healed after ${((fault.healedAt - fault.at) / 1000).toFixed(1)} s, ${recoveredAt === undefined ? 'NOT RECOVERED' : `recovered after ${((recoveredAt - fault.at) / 1000).toFixed(1)} s`}${collateralRestarts.length > 0 ? `, also restarted ${collateralRestarts.join(', ')}` : ''}; lost ${findings.lost.length}, doubled ${findings.doubled.length}, unreconciled ${findings.unreconciled.length}`);
      for (const line of [...findings.lost, ...findings.doubled, ...findings.unreconciled]) log(`chaos:     ${line}`);
      if (recoveredAt === undefined) break;
    }
    log('chaos: stopping the load; every operation in hand finishes');
    for (const reader of world.readers) if (!reader.sim.cardInserted) reader.sim.insert(reader.card);
    await load.stop();
    final = await audit(true);
  } finally {
    await load.stop().catch(() => undefined);
    await world.close();
  }
  const all = [...faults.map((f) => f.findings), final];
  const downloads = load.book.downloads;
  const report: ChaosReport = {
    seed: options.seed,
    dataDir: world.dataDir,
    spawnedPids: [...world.children.spawned],
    startedAt,
    endedAt: Date.now(),
    networkKind: world.networkKind,
    networkNote: world.networkNote,
    faults,
    operations: {
      connected: tally(downloads.filter((d) => d.mode === 'connected')),
      offline: tally(downloads.filter((d) => d.mode === 'offline')),
      settlements: load.book.settlements.filter((s) => s.outcome === 'settled').length,
      purchasesSettled: load.book.settlements.reduce((n, s) => n + (s.accepted ?? 0), 0),
      proofs: downloads.reduce<Record<string, number>>((t, d) => {
        if (d.result) t[proofKind(d.result.proof)] = (t[proofKind(d.result.proof)] ?? 0) + 1;
        return t;
      }, {}),
    },
    final,
    anomalies: load.book.anomalies,
    lost: count(all, 'lost'),
    doubled: count(all, 'doubled'),
    unreconciled: count(all, 'unreconciled'),
    passed: false,
  };
  const passed =
    report.lost === 0 &&
    report.doubled === 0 &&
    report.unreconciled === 0 &&
    report.anomalies.length === 0 &&
    faults.length === options.rounds * options.faults.length &&
    faults.every((f) => f.recoveredAt !== undefined);
  return { ...report, passed };
}

/** The figures, one per line, `chaos <name> <value>` like the benchmarks' `bench` lines. */
export function formatChaosReport(r: ChaosReport): string {
  const lines: string[] = [];
  const s = (ms: number): string => (ms / 1000).toFixed(1);
  const ops = (t: Record<string, number>): string => Object.entries(t).sort().map(([k, v]) => `${k}=${v}`).join(' ') || 'none';
  const total = (t: Record<string, number>): number => Object.values(t).reduce((a, b) => a + b, 0);
  lines.push(`chaos seed ${r.seed}`);
  lines.push(`chaos duration_s ${s(r.endedAt - r.startedAt)}`);
  lines.push(`chaos reader_network ${r.networkKind}${r.networkNote ? ` (${r.networkNote})` : ''}`);
  lines.push(`chaos operations ${total(r.operations.connected) + total(r.operations.offline) + r.operations.settlements}`);
  lines.push(`chaos downloads_connected ${total(r.operations.connected)} (${ops(r.operations.connected)})`);
  lines.push(`chaos downloads_offline ${total(r.operations.offline)} (${ops(r.operations.offline)})`);
  lines.push(`chaos settlements ${r.operations.settlements} (${r.operations.purchasesSettled} purchases settled)`);
  lines.push(`chaos download_proofs ${ops(r.operations.proofs)}`);
  lines.push(`chaos faults_injected ${r.faults.length}`);
  for (const [i, f] of r.faults.entries()) {
    lines.push(
      `chaos fault ${i + 1} ${f.kind} target="${f.target}" at_s=${s(f.at - r.startedAt)} outage_s=${s(f.healedAt - f.at)} recovery_s=${f.recoveredAt === undefined ? 'never' : s(f.recoveredAt - f.at)}${f.collateralRestarts.length ? ` also_restarted=${f.collateralRestarts.join(',')}` : ''}`,
    );
  }
  lines.push(`chaos lost ${r.lost}`);
  lines.push(`chaos doubled ${r.doubled}`);
  lines.push(`chaos unreconciled ${r.unreconciled}`);
  for (const line of [...r.final.lost, ...r.final.doubled, ...r.final.unreconciled]) lines.push(`chaos   final: ${line}`);
  for (const a of r.anomalies) lines.push(`chaos   anomaly: ${a}`);
  lines.push(`chaos result ${r.passed ? 'PASS' : 'FAIL'} (seed ${r.seed})`);
  return lines.join('\n');
}
