import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The addresses `purseflow services up` wrote to <data dir>/services.env, unless the environment names
 * them already (npm runs scripts from the repository root, so `.data` is found from the working folder).
 */
export function loadServicesEnv(): void {
  const file = join(process.env.PURSEFLOW_DATA_DIR ?? join(process.cwd(), '.data'), 'services.env');
  if (!existsSync(file)) return;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (m && process.env[m[1]] === undefined) process.env[m[1]] = m[2];
  }
}
