import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPOSITORY_ROOT } from '../services';

/**
 * The import rules of design.md are only worth something if the tool refuses a breach:
 * each case lays out a tiny tree with one forbidden import and runs our own rule file on it.
 */
function cruise(files: Record<string, string>): { status: number | null; output: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'purseflow-deps-'));
  try {
    for (const [file, text] of Object.entries(files)) {
      fs.mkdirSync(path.join(dir, path.dirname(file)), { recursive: true });
      fs.writeFileSync(path.join(dir, file), text);
    }
    fs.writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'commonjs', strict: true } }));
    const bin = path.join(REPOSITORY_ROOT, 'node_modules', '.bin', 'depcruise');
    const roots = ['ledger', 'card-driver', 'workflows', 'portal', 'cli'].filter((p) => fs.existsSync(path.join(dir, p)));
    const result = spawnSync(bin, ['--config', path.join(REPOSITORY_ROOT, '.dependency-cruiser.cjs'), ...roots], { cwd: dir, encoding: 'utf8' });
    return { status: result.status, output: `${result.stdout}${result.stderr}` };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe('the dependency rules of design.md', () => {
  it('accept workflows importing the ledger through its public face', () => {
    const result = cruise({
      'ledger/index.ts': 'export const ledger = 1;\n',
      'workflows/index.ts': "import { ledger } from '../ledger';\nexport const w = ledger;\n",
    });
    expect(result.output).toContain('no dependency violations');
    expect(result.status).toBe(0);
  });

  it('refuse the ledger importing the card driver', () => {
    const result = cruise({
      'card-driver/index.ts': 'export const card = 1;\n',
      'ledger/index.ts': "import { card } from '../card-driver';\nexport const l = card;\n",
    });
    expect(result.status).not.toBe(0);
    expect(result.output).toContain('ledger-is-a-library-core');
  });

  it('refuse workflows reaching past the ledger\'s public face', () => {
    const result = cruise({
      'ledger/index.ts': "export * from './accounts';\n",
      'ledger/accounts.ts': 'export const accounts = 1;\n',
      'workflows/index.ts': "import { accounts } from '../ledger/accounts';\nexport const w = accounts;\n",
    });
    expect(result.status).not.toBe(0);
    expect(result.output).toContain('workflows-through-public-faces');
  });

  it('refuse the portal importing worker-side workflow code', () => {
    const result = cruise({
      'workflows/index.ts': "export * from './worker';\n",
      'workflows/worker.ts': 'export const worker = 1;\n',
      'workflows/client/index.ts': 'export const client = 1;\n',
      'portal/index.ts': "import { worker } from '../workflows';\nimport { client } from '../workflows/client';\nexport const p = [worker, client];\n",
    });
    expect(result.status).not.toBe(0);
    expect(result.output).toContain('portal-uses-client-side-and-read-only-queries');
    expect(result.output).not.toMatch(/workflows\/client\/index\.ts.*portal-uses/);
  });

  it('refuse the workflows client reaching activity code, even through another module', () => {
    const result = cruise({
      'workflows/activities/server-activities.ts': 'export const activities = 1;\n',
      'workflows/settlement/settlement-workflow.ts': "import { activities } from '../activities/server-activities';\nexport const wf = activities;\n",
      'workflows/client/index.ts': "import { wf } from '../settlement/settlement-workflow';\nexport const client = wf;\n",
    });
    expect(result.status).not.toBe(0);
    expect(result.output).toContain('workflows-client-is-client-only');
  });

  it('accept the workflows client reading the registry through pure modules', () => {
    const result = cruise({
      'workflows/registry/name-based-id.ts': 'export const accountIdFor = 1;\n',
      'workflows/client/index.ts': "import { accountIdFor } from '../registry/name-based-id';\nexport const client = accountIdFor;\n",
    });
    expect(result.output).toContain('no dependency violations');
    expect(result.status).toBe(0);
  });
});
