import { DefaultLogger, Runtime } from '@temporalio/worker';

let installed = false;

/** Workers in tests log warnings and errors only; the SDK allows one Runtime per process. */
export function quietTemporalRuntime(): void {
  if (installed) return;
  installed = true;
  try {
    Runtime.install({ logger: new DefaultLogger('WARN') });
  } catch {
    // Already installed by an earlier test file in this Jest worker process.
  }
}

export function temporalAddress(): string {
  const address = process.env.TEMPORAL_ADDRESS;
  if (!address) throw new Error('TEMPORAL_ADDRESS is not set: run the tests through `npm test` or `npx purseflow services up`.');
  return address;
}
