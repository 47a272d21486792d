// Replays the recorded histories of real downloads (recorded-histories.ts) against today's
// workflow code: a change that would break a download in flight fails here, not in production.
import { resourceFromAttributes } from '@opentelemetry/resources';
import { Worker } from '@temporalio/worker';
import { quietTemporalRuntime } from '../../test-support/temporal';
import { workerTracing } from '../observability';
import { bundleWorkflows } from '../worker/server-worker';
import { recordedHistories } from './recorded-histories';

jest.setTimeout(60_000);

const recorded = recordedHistories();

test('recorded histories of every download path are present', () => {
  expect(recorded.length).toBeGreaterThanOrEqual(10);
});

test('downloads recorded before the download-lean-steps patch are kept beside those after it, so both branches stay replayable', () => {
  const patchedRun = (r: (typeof recorded)[number]): boolean => (r.history.events ?? []).some((e) => e.markerRecordedEventAttributes?.markerName === 'core_patch');
  const before = recorded.filter((r) => r.file.startsWith('before-lean-steps-'));
  const after = recorded.filter((r) => !r.file.startsWith('before-lean-steps-'));
  expect(before.length).toBeGreaterThanOrEqual(10);
  expect(after.length).toBeGreaterThanOrEqual(10);
  expect(before.filter(patchedRun)).toEqual([]);
  expect(after.filter((r) => !patchedRun(r)).map((r) => r.file)).toEqual([]);
});

test('every recorded download history replays on the current workflow code', async () => {
  quietTemporalRuntime();
  const failures: string[] = [];
  let replayed = 0;
  for await (const result of Worker.runReplayHistories({ workflowBundle: await bundleWorkflows() }, recorded)) {
    replayed += 1;
    if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
  }
  expect(failures).toEqual([]);
  expect(replayed).toBe(recorded.length);
});

test('every recorded history replays on the traced bundle too: a worker restarted with tracing on takes over the downloads in flight', async () => {
  quietTemporalRuntime();
  const exported: string[] = [];
  const tracing = workerTracing({
    process: 'worker',
    resource: resourceFromAttributes({}),
    spanProcessor: { onStart: () => undefined, onEnd: (span) => exported.push(span.name), forceFlush: async () => undefined, shutdown: async () => undefined },
    shutdown: async () => undefined,
  });
  const failures: string[] = [];
  let replayed = 0;
  for await (const result of Worker.runReplayHistories({ workflowBundle: await bundleWorkflows({ traced: true }), sinks: tracing.sinks }, recorded)) {
    replayed += 1;
    if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
  }
  expect(failures).toEqual([]);
  expect(replayed).toBe(recorded.length);
  // Sinks are not called on replay: a replayed workflow exports no span a second time.
  expect(exported).toEqual([]);
});
