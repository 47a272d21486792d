import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
// `yaml` reaches us through @fastify/swagger; the lead is asked to make it a devDependency.
import { parse } from 'yaml';
import { SEARCH_ATTRIBUTES } from '../../cli/services';
import { SERVER_WORKER_NODE_FLAGS } from '../../workflows';

const DOCKER = path.resolve(__dirname, '..');
const read = (file: string) => fs.readFileSync(path.join(DOCKER, file), 'utf8');

interface Healthcheck {
  test: string[] | string;
}
interface ComposeService {
  image?: string;
  build?: unknown;
  command?: string[];
  entrypoint?: string[];
  restart?: string;
  profiles?: string[];
  healthcheck?: Healthcheck;
  depends_on?: Record<string, { condition: string }>;
  environment?: Record<string, string>;
  secrets?: string[];
  ports?: string[];
  networks?: string[];
}
interface ComposeFile {
  services: Record<string, ComposeService>;
  secrets: Record<string, { file: string }>;
}

const compose = parse(read('compose.yaml'), { merge: true }) as ComposeFile;
const services = Object.entries(compose.services);

/** docker-compose v1 (Debian package `docker-compose`) or the v2 plugin, whichever this machine has. */
function composeValidator(): string[] | undefined {
  if (spawnSync('docker-compose', ['version'], { encoding: 'utf8' }).status === 0) return ['docker-compose'];
  if (spawnSync('docker', ['compose', 'version'], { encoding: 'utf8' }).status === 0) return ['docker', 'compose'];
  return undefined;
}

describe('docker/compose.yaml', () => {
  const validator = composeValidator();
  // Without either tool the structural checks below still run; scripts/bootstrap.sh should install
  // Debian's `docker-compose` (with --no-install-recommends) so that this check runs everywhere.
  (validator ? it : it.skip)('is accepted by docker compose config', () => {
    const [command, ...prefix] = validator as string[];
    const result = spawnSync(command, [...prefix, '-f', path.join(DOCKER, 'compose.yaml'), 'config', '-q'], { encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it('runs Temporal as four services, the others joining once history serves', () => {
    const temporal = services.filter(([, s]) => s.image?.startsWith('temporalio/server:'));
    expect(temporal.map(([, s]) => s.command?.[0]).sort()).toEqual(['frontend', 'history', 'matching', 'worker']);
    for (const [name, s] of temporal) {
      if (s.command?.[0] === 'history') expect(s.depends_on?.['temporal-schema']?.condition).toBe('service_completed_successfully');
      else expect(Object.keys(s.depends_on ?? {}).length).toBeGreaterThan(0);
      expect(name).toBe(`temporal-${s.command?.[0]}`);
    }
    expect(compose.services['temporal-matching'].depends_on?.['temporal-history']?.condition).toBe('service_healthy');
    expect(compose.services['temporal-frontend'].depends_on?.['temporal-history']?.condition).toBe('service_healthy');
  });

  it('pins every image to a version, never latest', () => {
    for (const [name, s] of services) {
      expect([name, s.image]).toEqual([name, expect.stringMatching(/^[^:]+:(?!latest\b)\S+$/)]);
    }
  });

  it('gives every long-running service a health check', () => {
    const longRunning = services.filter(([, s]) => s.restart !== 'no' && !(s.profiles ?? []).includes('reader'));
    for (const [name, s] of longRunning) expect([name, s.healthcheck?.test]).toEqual([name, expect.anything()]);
  });

  it('waits on health only where there is a health check, and on completion only for one-shot jobs', () => {
    for (const [name, s] of services) {
      for (const [target, { condition }] of Object.entries(s.depends_on ?? {})) {
        const other = compose.services[target];
        expect([name, target, other !== undefined]).toEqual([name, target, true]);
        if (condition === 'service_healthy') expect([name, target, other.healthcheck !== undefined]).toEqual([name, target, true]);
        if (condition === 'service_completed_successfully') expect([name, target, other.restart]).toEqual([name, target, 'no']);
      }
    }
  });

  it('starts the workers and the portal only after the migrate job and the namespace job have succeeded', () => {
    for (const name of ['worker', 'portal']) {
      expect(compose.services[name].depends_on).toMatchObject({
        migrate: { condition: 'service_completed_successfully' },
        'temporal-namespace': { condition: 'service_completed_successfully' },
      });
    }
  });

  it('passes no secret as a value: secret-looking variables name a file under /run/secrets', () => {
    for (const [name, s] of services) {
      for (const [variable, value] of Object.entries(s.environment ?? {})) {
        if (!/PASSWORD|SECRET|TOKEN|_KEY\b|_KEYS\b|SESSION_KEY/.test(variable)) continue;
        expect([name, variable, String(value)]).toEqual([name, variable, expect.stringMatching(/^\/run\/secrets\/\w+$/)]);
        expect(variable).toMatch(/_FILE$/);
      }
    }
  });

  it('declares every secret a service uses as a file under docker/secrets', () => {
    const used = new Set(services.flatMap(([, s]) => s.secrets ?? []));
    for (const secret of used) expect([secret, compose.secrets[secret]?.file]).toEqual([secret, expect.stringMatching(/^\.\/secrets\/[\w.]+$/)]);
  });

  it('publishes ports on 127.0.0.1 only', () => {
    for (const [, s] of services) for (const port of s.ports ?? []) expect(port).toMatch(/^127\.0\.0\.1:/);
  });

  it('registers exactly the search attributes the embedded profile registers', () => {
    const script = read('temporal/create-namespace.sh');
    const listed = [...script.matchAll(/^\s+(\w+)=(Keyword|Int)\b/gm)].map((m) => [m[1], m[2]]);
    expect(listed).toEqual(SEARCH_ATTRIBUTES.map(([name, type]) => [name, type]));
  });
});

describe('the Dockerfiles', () => {
  for (const file of ['Dockerfile', 'reader-agent.Dockerfile']) {
    const text = read(file);
    const finalStage = text.slice(text.lastIndexOf('\nFROM '));

    it(`${file} builds on a base image the deployer can replace (ARG BASE_IMAGE)`, () => {
      expect(text).toMatch(/^ARG BASE_IMAGE=node:20-bookworm-slim$/m);
      expect(text.match(/^FROM \$\{BASE_IMAGE\}/gm)).toHaveLength(2);
    });

    it(`${file} bakes no secret into the image`, () => {
      expect(text).not.toMatch(/^(ENV|ARG)\s+\S*(PASSWORD|SECRET|TOKEN|_KEY)/im);
      expect(text).not.toMatch(/docker\/secrets/);
      expect(read(`${file}.dockerignore`)).toMatch(/^docker\/secrets\/\*\*$/m);
    });

    it(`${file} runs as an unprivileged user under tini`, () => {
      expect(finalStage).toMatch(/^USER node$/m);
      expect(finalStage).toMatch(/^ENTRYPOINT \["tini", "--", "purseflow-entrypoint"\]$/m);
    });
  }
});

describe('the app entry point (docker/app-entrypoint.sh)', () => {
  let dir: string;
  beforeAll(() => {
    // A stand-in for the built app that reports what it was started with.
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'purseflow-entrypoint-'));
    fs.mkdirSync(path.join(dir, 'dist', 'cli'), { recursive: true });
    fs.writeFileSync(
      path.join(dir, 'dist', 'cli', 'main.js'),
      'console.log(JSON.stringify({ argv: process.argv.slice(2), execArgv: process.execArgv, url: process.env.DATABASE_URL, key: process.env.PURSEFLOW_PORTAL_SESSION_KEY, leftover: Object.keys(process.env).filter((k) => k.endsWith("_FILE") || k === "PURSEFLOW_DB_PASSWORD") }))',
    );
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  function run(env: Record<string, string>, ...args: string[]) {
    return spawnSync('sh', [path.join(DOCKER, 'app-entrypoint.sh'), ...args], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH as string, PURSEFLOW_APP_DIR: dir, ...env },
    });
  }
  function secret(name: string, value: string): string {
    const file = path.join(dir, name);
    fs.writeFileSync(file, `${value}\n`);
    return file;
  }

  it('turns secret files into the variables the app reads and builds DATABASE_URL, leaving no *_FILE behind', () => {
    const result = run(
      { PURSEFLOW_DB_PASSWORD_FILE: secret('db', 'c0ffee'), PURSEFLOW_DB_HOST: 'db', PURSEFLOW_PORTAL_SESSION_KEY_FILE: secret('session', 'ab'.repeat(32)) },
      'portal',
    );
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ argv: ['portal'], execArgv: [], url: 'postgres://purseflow:c0ffee@db:5432/purseflow', key: 'ab'.repeat(32), leftover: [] });
  });

  it('leaves PURSEFLOW_MASTER_KEYS_FILE to the app, which reads the keys file itself', () => {
    const keys = secret('master_keys', '{"MK_LOAD": "00"}');
    const result = spawnSync('sh', [path.join(DOCKER, 'app-entrypoint.sh'), 'worker'], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH as string, PURSEFLOW_APP_DIR: dir, PURSEFLOW_MASTER_KEYS_FILE: keys },
    });
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ argv: ['worker'], leftover: ['PURSEFLOW_MASTER_KEYS_FILE'] });
  });

  it("starts the server worker with the worker's node flags, and nothing else with them", () => {
    expect(JSON.parse(run({}, 'worker').stdout).execArgv).toEqual([...SERVER_WORKER_NODE_FLAGS]);
    expect(JSON.parse(run({}, 'portal').stdout).execArgv).toEqual([]);
  });

  it('refuses a secret given both as a value and as a file', () => {
    const result = run({ PURSEFLOW_PORTAL_SESSION_KEY: 'x', PURSEFLOW_PORTAL_SESSION_KEY_FILE: secret('both', 'y') }, 'portal');
    expect(result.status).toBe(64);
    expect(result.stderr).toContain('both PURSEFLOW_PORTAL_SESSION_KEY and PURSEFLOW_PORTAL_SESSION_KEY_FILE are set');
  });

  it('refuses a secret file that is not there, naming the variable', () => {
    const result = run({ PURSEFLOW_DB_PASSWORD_FILE: path.join(dir, 'missing') }, 'worker');
    expect(result.status).toBe(66);
    expect(result.stderr).toContain('PURSEFLOW_DB_PASSWORD_FILE=');
  });

  it('refuses a database password that would need escaping in a URL, and never prints it', () => {
    const result = run({ PURSEFLOW_DB_PASSWORD_FILE: secret('bad', 'p@ss/word') }, 'worker');
    expect(result.status).toBe(65);
    expect(result.stderr).toContain('openssl rand -hex 32');
    expect(result.stderr).not.toContain('p@ss/word');
  });
});

describe('the Temporal server config template (docker/temporal/config/purseflow.yaml)', () => {
  it('reads only variables that docker/README.md documents', () => {
    const variables = new Set([...read('temporal/config/purseflow.yaml').matchAll(/env "(\w+)"/g)].map((m) => m[1]));
    const readme = read('README.md');
    for (const variable of variables) expect([variable, readme.includes(`\`${variable}\``)]).toEqual([variable, true]);
  });
});

describe('the observability files', () => {
  const alerts = parse(read('observability/alerts.yml')) as { groups: { rules: { alert: string; expr: string; labels: { severity: string }; annotations: { summary: string } }[] }[] };
  const rules = alerts.groups.flatMap((g) => g.rules);

  it('alert on a reservation pending too long, a reader agent gone and a broken ledger invariant', () => {
    expect(rules.map((r) => r.alert)).toEqual(expect.arrayContaining(['ReservationPendingTooLong', 'ReaderAgentGone', 'LedgerInvariantBroken']));
  });

  it('give every alert an expression, a severity and a summary', () => {
    for (const rule of rules) {
      expect([rule.alert, rule.expr.length > 0, ['warning', 'critical'].includes(rule.labels.severity), rule.annotations.summary.length > 0]).toEqual([rule.alert, true, true, true]);
    }
  });

  it('chart on the dashboard every purseflow metric the alerts watch', () => {
    const dashboard = read('observability/grafana/dashboards/purseflow.json');
    const watched = new Set(rules.flatMap((r) => [...r.expr.matchAll(/\b(purseflow_\w+)/g)].map((m) => m[1])));
    expect(watched.size).toBeGreaterThanOrEqual(4);
    for (const metric of watched) expect([metric, dashboard.includes(metric)]).toEqual([metric, true]);
  });
});
