// The short round of the chaos suite inside `npm test`: the isolated production profile (Temporal
// 1.29.1 as four processes on its own PostgreSQL) under a steady load of connected downloads (ACR30
// simulators on socat, reader agents as child processes), offline downloads (the eCom Pocket) and
// settlements, with one fault of each kind at seeded moments. The full suite is `npm run test:chaos`.
import { execFileSync } from 'node:child_process';
import { chaosOptions, closeOpenChaosWorlds, FAULT_KINDS, formatChaosReport, runChaos, type ChaosReport } from '../chaos';
import { readProductionConfig, temporalBinariesCached } from '../services';
import { quietTemporalRuntime } from '../../test-support/temporal';

quietTemporalRuntime();

const binariesCached = temporalBinariesCached(readProductionConfig());
if (!binariesCached) {
  console.warn('chaos short round skipped: the Temporal server binaries (server, sql, ui-server) are not cached in ~/.cache/purseflow/bin; `npm run start:production` builds them once (about five minutes).');
}

(binariesCached ? describe : describe.skip)('chaos suite, short round (one fault of each kind)', () => {
  let report: ChaosReport;

  beforeAll(async () => {
    const options = chaosOptions({ short: true });
    report = await runChaos(options, (line) => process.stderr.write(`${line}\n`));
    process.stderr.write(`${formatChaosReport(report)}\n`);
  }, 8 * 60_000);

  // Only does something when the round was cut short (a time-out): its processes go down with it.
  afterAll(() => closeOpenChaosWorlds(), 60_000);

  it('injects every fault once: kill -9 of a server worker, a reader agent, history, matching and frontend; a PostgreSQL restart; a card pulled; a reader agent cut off', () => {
    expect(report.faults.map((f) => f.kind).sort()).toEqual([...FAULT_KINDS].sort());
  });

  it('recovers from every fault: each lane completes fresh operations afterwards', () => {
    expect(report.faults.filter((f) => f.recoveredAt === undefined).map((f) => f.kind)).toEqual([]);
    expect(report.anomalies).toEqual([]);
  });

  it('loses, doubles and leaves unreconciled nothing, after each fault and at the end', () => {
    expect({ lost: report.lost, doubled: report.doubled, unreconciled: report.unreconciled }).toEqual({ lost: 0, doubled: 0, unreconciled: 0 });
    expect(report.final).toEqual({ lost: [], doubled: [], unreconciled: [] });
  });

  it('ran real load through the faults: connected and offline downloads posted, settlements settled', () => {
    expect(report.operations.connected.posted ?? 0).toBeGreaterThan(0);
    expect(report.operations.offline.posted ?? 0).toBeGreaterThan(0);
    expect(report.operations.settlements).toBeGreaterThan(0);
  });

  it('leaves no process and no network namespace behind', () => {
    // The Temporal services and PostgreSQL name the run's data folder; workers, agents and socat are known by pid.
    const alive = report.spawnedPids.filter((pid) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    });
    expect(alive).toEqual([]);
    const processes = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' }).split('\n').filter((line) => line.includes(report.dataDir));
    expect(processes).toEqual([]);
    if (report.networkKind === 'network-namespace') {
      const namespaces = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }).split('\n').filter((line) => line.startsWith(`pfchaos-${process.pid}-`));
      expect(namespaces).toEqual([]);
    }
  });
});
