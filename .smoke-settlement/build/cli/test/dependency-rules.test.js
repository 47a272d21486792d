"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
const node_child_process_1 = require("node:child_process");
const node_fs_1 = __importDefault(require("node:fs"));
const node_os_1 = __importDefault(require("node:os"));
const node_path_1 = __importDefault(require("node:path"));
const services_1 = require("../services");
/**
 * The import rules of design.md are only worth something if the tool refuses a breach:
 * each case lays out a tiny tree with one forbidden import and runs our own rule file on it.
 */
function cruise(files) {
    const dir = node_fs_1.default.mkdtempSync(node_path_1.default.join(node_os_1.default.tmpdir(), 'purseflow-deps-'));
    try {
        for (const [file, text] of Object.entries(files)) {
            node_fs_1.default.mkdirSync(node_path_1.default.join(dir, node_path_1.default.dirname(file)), { recursive: true });
            node_fs_1.default.writeFileSync(node_path_1.default.join(dir, file), text);
        }
        node_fs_1.default.writeFileSync(node_path_1.default.join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'commonjs', strict: true } }));
        const bin = node_path_1.default.join(services_1.REPOSITORY_ROOT, 'node_modules', '.bin', 'depcruise');
        const roots = ['ledger', 'card-driver', 'workflows', 'portal', 'cli'].filter((p) => node_fs_1.default.existsSync(node_path_1.default.join(dir, p)));
        const result = (0, node_child_process_1.spawnSync)(bin, ['--config', node_path_1.default.join(services_1.REPOSITORY_ROOT, '.dependency-cruiser.cjs'), ...roots], { cwd: dir, encoding: 'utf8' });
        return { status: result.status, output: `${result.stdout}${result.stderr}` };
    }
    finally {
        node_fs_1.default.rmSync(dir, { recursive: true, force: true });
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
});
