// Golden histories: real runs of the end-to-end tests, recorded into workflows/test/histories/ and
// replayed by replay.test.ts on every test run, so that a change to workflow code that would break
// the downloads already running in production fails the tests. Histories of an older shape stay,
// renamed after the patch that changed the shape (before-lean-steps-*.json), for as long as the
// workflow keeps that patch's old branch. Record again on purpose only:
//   PURSEFLOW_RECORD_HISTORIES=1 npx jest workflows/test/connected-download.test.ts workflows/test/offline-download.test.ts workflows/test/tearing.test.ts
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

export const HISTORIES_DIR = path.join(__dirname, 'histories');

export const recording = (): boolean => process.env.PURSEFLOW_RECORD_HISTORIES === '1';

/** Writes each workflow's history as `<name>-<n>.json` (the workflow id is in the file). */
export async function recordHistories(name: string, handles: readonly WorkflowHandle[]): Promise<void> {
  fs.mkdirSync(HISTORIES_DIR, { recursive: true });
  for (const [i, handle] of handles.entries()) {
    const history = await handle.fetchHistory();
    const file = path.join(HISTORIES_DIR, `${name}-${String(i + 1).padStart(2, '0')}.json`);
    fs.writeFileSync(file, `${JSON.stringify({ workflowId: handle.workflowId, history }, null, 1)}\n`);
  }
}

export function recordedHistories(): { file: string; workflowId: string; history: temporal.api.history.v1.IHistory }[] {
  if (!fs.existsSync(HISTORIES_DIR)) return [];
  return fs
    .readdirSync(HISTORIES_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => {
      const { workflowId, history } = JSON.parse(fs.readFileSync(path.join(HISTORIES_DIR, file), 'utf8')) as { workflowId: string; history: unknown };
      // protobufjs' own JSON form (enums by name, bytes in base64, 64-bit numbers as strings).
      return { file, workflowId, history: temporal.api.history.v1.History.fromObject(history as Record<string, unknown>) };
    });
}
