/**
 * `purseflow status [--profile production]`: the health of every part of a profile in one screen — the
 * managed services and app processes, whether PostgreSQL and Temporal (the dev server, or each of the
 * production cluster's four service processes) answer, the Web UI, the workers' and reader agents'
 * /metrics, the portal's /readyz and the ledger's invariants. It exits non-zero when a part is down, so
 * it can gate a deployment step or a cron alert.
 */
import path from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { parseProfile, readProductionConfig } from '../services';
import { embeddedStatusProfile, PartHealth, PROBE_TIMEOUT_MS, probeParts, productionStatusProfile, remedyFor, STATUS_PARTS, StatusPart, StatusProfile } from '../status';

export { STATUS_PARTS } from '../status';
export type { PartHealth, StatusPart } from '../status';

export class StatusCommandError extends Error {
  override readonly name = 'StatusCommandError';
  constructor(
    readonly code: 'parts_down' | 'parts_invalid' | 'options_invalid',
    message: string,
  ) {
    super(message);
  }
}

function partsArg(value: string): StatusPart[] {
  const parts = value.split(',').map((p) => p.trim()).filter((p) => p !== '');
  const unknown = parts.filter((p) => !(STATUS_PARTS as readonly string[]).includes(p));
  if (parts.length === 0 || unknown.length > 0) throw new InvalidArgumentError(`unknown part(s) ${unknown.join(', ') || '(none given)'}; choose from ${STATUS_PARTS.join(', ')}`);
  return parts as StatusPart[];
}

function secondsArg(value: string): number {
  const seconds = Number(value);
  if (!(seconds > 0 && seconds <= 600)) throw new InvalidArgumentError(`${value} is not a number of seconds above 0 and at most 600`);
  return seconds;
}

interface StatusOptions {
  parts?: StatusPart[];
  profile?: string;
  timeout?: number;
  workerMetrics?: string;
  readerAgentMetrics?: string;
  portal?: string;
}

function statusProfile(opts: StatusOptions): StatusProfile {
  if (parseProfile(opts.profile) === 'embedded') return embeddedStatusProfile(opts);
  const given = (['workerMetrics', 'readerAgentMetrics', 'portal'] as const).filter((o) => opts[o] !== undefined);
  if (given.length > 0) {
    // The production profile's addresses are its variables', the same ones `services up` and `app up` start things on.
    throw new StatusCommandError(
      'options_invalid',
      `--${given.map((o) => o.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)).join(', --')} apply to the embedded profile; the production profile's addresses come from its variables (PURSEFLOW_PROD_METRICS_PORT, PURSEFLOW_PROD_PORTAL_PORT, …): drop the option or set the variable.`,
    );
  }
  return productionStatusProfile(readProductionConfig());
}

/** The error a failed report ends with: which parts, and the commands that bring them back. */
export function partsDownError(down: readonly PartHealth[], profile: Pick<StatusProfile, 'profile' | 'dataDir'>): StatusCommandError {
  const remedies = [...new Set(down.map((h) => remedyFor(h.part, profile)))];
  return new StatusCommandError(
    'parts_down',
    `${down.length} part(s) down: ${down.map((h) => h.name).join(', ')}. Bring them back with: ${remedies.join('; ')}. Their logs are under ${path.join(profile.dataDir, 'logs')}.`,
  );
}

export function registerStatusCommand(program: Command): void {
  program
    .command('status')
    .description('the health of every part: services, PostgreSQL, Temporal (each server process), Web UI, worker and reader agent metrics, portal, ledger invariants; exits 1 when one is down')
    .option('--profile <name>', 'embedded (default) or production (four Temporal processes, two server workers, the ACR30S reader agent, the portal)')
    .option('--parts <list>', `only these parts, comma-separated (${STATUS_PARTS.join(', ')})`, partsArg)
    .option('--timeout <seconds>', `how long each probe waits for an answer (default ${PROBE_TIMEOUT_MS / 1000})`, secondsArg)
    .option('--worker-metrics <url>', "embedded: the server worker's /metrics (default http://127.0.0.1:$PURSEFLOW_WORKER_METRICS_PORT|9464/metrics)")
    .option('--reader-agent-metrics <url>', "embedded: the one reader agent's /metrics to probe (default both of app up's: ports $PURSEFLOW_READER_AGENT_METRICS_PORT|9465 and $PURSEFLOW_ACR30_AGENT_METRICS_PORT|9466)")
    .option('--portal <url>', "embedded: the portal's readiness URL (default http://127.0.0.1:$PURSEFLOW_PORTAL_PORT|8080/readyz)")
    .action(async (opts: StatusOptions) => {
      const profile = statusProfile(opts);
      const health = await probeParts(opts.parts ?? STATUS_PARTS, profile, opts.timeout === undefined ? PROBE_TIMEOUT_MS : opts.timeout * 1000);
      const width = Math.max(...health.map((h) => h.name.length));
      const mark = { up: 'up  ', down: 'DOWN', idle: '-   ' } as const;
      for (const h of health) process.stdout.write(`${mark[h.health]}  ${h.name.padEnd(width)}  ${h.detail}\n`);
      const down = health.filter((h) => h.health === 'down');
      if (down.length > 0) throw partsDownError(down, profile);
      process.stdout.write('all parts up\n');
    });
}
