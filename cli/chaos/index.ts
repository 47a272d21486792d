// The chaos suite (issue 8, "Faults survived"): the production profile under a steady load of
// downloads and settlements, one fault at a time, audited after each. `npm run test:chaos` runs it
// in full (main.ts); cli/test/chaos.test.ts runs one short round inside `npm test`.
export { runChaos, formatChaosReport, proofKind, type ChaosReport, type FaultFigure } from './run-chaos';
export { chaosOptions, parseChaosArgs, ChaosOptionsError, SHORT_ROUND, FULL_SUITE, type ChaosOptions } from './chaos-options';
export { FAULT_KINDS, type FaultKind } from './faults';
export { SeededRandom } from './seeded-random';
export { auditEndedDownloads, type AuditFindings, type PendingRow } from './audit';
export type { DownloadOp } from './load';
export { closeOpenChaosWorlds } from './chaos-world';
