/** How a chaos run is shaped: the short round of `npm test` or the full suite, a seed, overrides. */
import { FAULT_KINDS, type FaultKind } from './faults';
import { freshSeed } from './seeded-random';

export interface ChaosOptions {
  readonly seed: number;
  /** Each round injects every fault kind once, in a seeded order. */
  readonly rounds: number;
  readonly faults: readonly FaultKind[];
  readonly connectedReaders: number;
  readonly offlineCards: number;
  readonly serverWorkers: number;
  /** Seeded pause before a fault, from its quarter to this: a random moment of the load. */
  readonly maxGapMs: number;
  readonly cardOutMs: number;
  readonly networkCutMs: number;
  /** A fault whose load has not recovered after this long fails the run. */
  readonly recoveryTimeoutMs: number;
  readonly settleEveryMs: number;
  readonly keepDataDir: boolean;
}

export class ChaosOptionsError extends Error {
  override readonly name = 'ChaosOptionsError';
}

/** The round `npm test` runs: one fault of each kind, short outages. */
export const SHORT_ROUND = { rounds: 1, maxGapMs: 2500, cardOutMs: 8000, networkCutMs: 6000, recoveryTimeoutMs: 120_000, settleEveryMs: 4000 } as const;
/** The full suite (`npm run test:chaos`): every fault three times, a reader cut off for a minute as the issue asks. */
export const FULL_SUITE = { rounds: 3, maxGapMs: 10_000, cardOutMs: 15_000, networkCutMs: 60_000, recoveryTimeoutMs: 240_000, settleEveryMs: 8000 } as const;

function wholeNumber(name: string, raw: string, min: number, max: number): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new ChaosOptionsError(`${name} ${raw} is not a whole number from ${min} to ${max}.`);
  return n;
}

export function chaosOptions(overrides: Partial<ChaosOptions> & { short?: boolean }, env: NodeJS.ProcessEnv = process.env): ChaosOptions {
  const shape = overrides.short ? SHORT_ROUND : FULL_SUITE;
  const seed = overrides.seed ?? (env.PURSEFLOW_CHAOS_SEED ? wholeNumber('PURSEFLOW_CHAOS_SEED', env.PURSEFLOW_CHAOS_SEED, 0, 0xffffffff) : freshSeed());
  return {
    seed,
    rounds: overrides.rounds ?? shape.rounds,
    faults: overrides.faults ?? FAULT_KINDS,
    connectedReaders: overrides.connectedReaders ?? 2,
    offlineCards: overrides.offlineCards ?? 2,
    serverWorkers: overrides.serverWorkers ?? 2,
    maxGapMs: overrides.maxGapMs ?? shape.maxGapMs,
    cardOutMs: overrides.cardOutMs ?? shape.cardOutMs,
    networkCutMs: overrides.networkCutMs ?? shape.networkCutMs,
    recoveryTimeoutMs: overrides.recoveryTimeoutMs ?? shape.recoveryTimeoutMs,
    settleEveryMs: overrides.settleEveryMs ?? shape.settleEveryMs,
    keepDataDir: overrides.keepDataDir ?? false,
  };
}

/** `--seed N --rounds N --faults a,b --network-cut-s N --short --keep`, for `npm run test:chaos -- …`. */
export function parseChaosArgs(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): ChaosOptions {
  const o: { -readonly [K in keyof ChaosOptions]?: ChaosOptions[K] } & { short?: boolean } = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new ChaosOptionsError(`${arg} needs a value.`);
      return v;
    };
    switch (arg) {
      case '--seed':
        o.seed = wholeNumber('--seed', value(), 0, 0xffffffff);
        break;
      case '--rounds':
        o.rounds = wholeNumber('--rounds', value(), 1, 100);
        break;
      case '--faults': {
        const names = value().split(',').map((s) => s.trim()).filter(Boolean);
        for (const n of names) if (!(FAULT_KINDS as readonly string[]).includes(n)) throw new ChaosOptionsError(`--faults: ${n} is not a fault; choose from ${FAULT_KINDS.join(', ')}.`);
        o.faults = names as FaultKind[];
        break;
      }
      case '--network-cut-s':
        o.networkCutMs = wholeNumber('--network-cut-s', value(), 1, 600) * 1000;
        break;
      case '--short':
        o.short = true;
        break;
      case '--keep':
        o.keepDataDir = true;
        break;
      default:
        throw new ChaosOptionsError(`unknown option ${arg}; use --seed N, --rounds N, --faults a,b, --network-cut-s N, --short, --keep.`);
    }
  }
  return chaosOptions(o, env);
}
