// The bare workflow of the production benchmark: three empty activities, the floor a download is
// measured against (issue 8). Workflow code: imports @temporalio/workflow only.
import { proxyActivities } from '@temporalio/workflow';
import type { bareActivities } from './bare-activities';

const { step } = proxyActivities<typeof bareActivities>({ startToCloseTimeout: '10 seconds' });

export async function bareWorkflow(): Promise<void> {
  await step();
  await step();
  await step();
}
