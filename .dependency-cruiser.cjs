/**
 * The import rules of design.md, enforced in `npm test`:
 *   ledger, card-driver: library cores, import nothing of the other parts;
 *   workflows: imports ledger and card-driver through their public faces (index.ts);
 *   portal: imports workflows' client side (workflows/client) and ledger's read-only queries (ledger/queries);
 *   cli: the composition root, may import every public face; nothing imports it.
 * Inside a part anything goes; across parts only through a public face.
 */
const PARTS = ['ledger', 'card-driver', 'workflows', 'portal', 'cli'];
const others = (part) => PARTS.filter((p) => p !== part).map((p) => `^${p}/`);

module.exports = {
  forbidden: [
    ...['ledger', 'card-driver'].map((part) => ({
      name: `${part}-is-a-library-core`,
      comment: `${part}/ imports nothing of the other parts (design.md)`,
      severity: 'error',
      from: { path: `^${part}/` },
      to: { path: others(part) },
    })),
    {
      name: 'workflows-uses-only-the-cores',
      comment: 'workflows/ imports ledger and card-driver only, never portal or cli',
      severity: 'error',
      from: { path: '^workflows/' },
      to: { path: ['^portal/', '^cli/'] },
    },
    {
      name: 'workflows-through-public-faces',
      comment: 'workflows/ reaches ledger and card-driver only through their index.ts',
      severity: 'error',
      from: { path: '^workflows/' },
      to: { path: ['^ledger/', '^card-driver/'], pathNot: ['^ledger/index\\.ts$', '^card-driver/index\\.ts$'] },
    },
    {
      name: 'portal-uses-client-side-and-read-only-queries',
      comment: 'portal/ imports workflows/client and ledger/queries only (design.md)',
      severity: 'error',
      from: { path: '^portal/' },
      to: {
        path: ['^workflows/', '^ledger/', '^card-driver/', '^cli/'],
        pathNot: ['^workflows/client/index\\.ts$', '^ledger/queries/index\\.ts$'],
      },
    },
    {
      name: 'workflows-client-is-client-only',
      comment:
        'workflows/client is what the portal and the CLI drive workflows with: read-only queries may reach the database, but nothing of a worker (activities, @temporalio/worker, card transports) may become reachable from it',
      severity: 'error',
      from: { path: '^workflows/client/' },
      // reachable: through any chain of imports, not only the client's own (type-only imports count too).
      to: { path: ['@temporalio/worker', '^workflows/(activities|worker)/', '^card-driver/'], reachable: true },
    },
    {
      name: 'nothing-imports-the-cli',
      severity: 'error',
      from: { path: '^(ledger|card-driver|workflows|portal)/' },
      to: { path: '^cli/' },
    },
    {
      name: 'cli-through-public-faces',
      comment: 'the CLI composes parts through their public faces',
      severity: 'error',
      from: { path: '^cli/' },
      to: {
        path: ['^ledger/', '^card-driver/', '^workflows/', '^portal/'],
        pathNot: ['^(ledger|card-driver|workflows|portal)/index\\.ts$', '^ledger/queries/index\\.ts$', '^workflows/client/index\\.ts$'],
      },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: ['(^|/)test/', '\\.test\\.ts$', '^dist/'] },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
  },
};
