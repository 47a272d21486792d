/**
 * The upload store: files the portal or the CLI received, kept under their SHA-256 so the worker
 * reads exactly what was uploaded (workflows carry the path and hash, never the bytes). A stored
 * file is never rewritten: the same content always lands on the same name.
 */
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { SettlementError } from './settlement-error';
import type { StoredUpload } from './settlement-types';

/** Copies `source` into `directory` as `<sha256><extension>`; returns where it is and its hash. */
export async function storeUpload(source: string, directory: string, extension: '.estb' | '.csv'): Promise<StoredUpload> {
  await fs.promises.mkdir(directory, { recursive: true });
  const partial = path.join(directory, `.incoming-${randomBytes(8).toString('hex')}`);
  const sha256 = createHash('sha256');
  try {
    await pipeline(
      fs.createReadStream(source),
      new Transform({
        transform(chunk: Buffer, _encoding, done) {
          sha256.update(chunk);
          done(null, chunk);
        },
      }),
      fs.createWriteStream(partial, { flags: 'wx' }),
    );
  } catch (err) {
    await fs.promises.rm(partial, { force: true });
    const code = (err as NodeJS.ErrnoException).code ?? 'unknown';
    throw new SettlementError('upload_unreadable', `Cannot store the upload ${source} (${code}); check that the file exists and that ${directory} is writable.`, { cause: err });
  }
  const hash = sha256.digest('hex');
  const stored = path.join(directory, `${hash}${extension}`);
  await fs.promises.rename(partial, stored);
  return { path: stored, sha256: hash };
}
