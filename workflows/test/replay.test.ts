// Replays the recorded histories of real downloads (recorded-histories.ts) against today's
// workflow code: a change that would break a download in flight fails here, not in production.
import { Worker } from '@temporalio/worker';
import { quietTemporalRuntime } from '../../test-support/temporal';
import { bundleWorkflows } from '../worker/server-worker';
import { recordedHistories } from './recorded-histories';

jest.setTimeout(60_000);

const recorded = recordedHistories();

test('recorded histories of every download path are present', () => {
  expect(recorded.length).toBeGreaterThanOrEqual(10);
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
