import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { EstbUploadGate, estbLength } from '../estb-upload';
import { estbFile } from './support/harness';

async function pass(chunks: Buffer[], maxRecords = 10): Promise<{ bytes: number; records: number | null }> {
  const gate = new EstbUploadGate(maxRecords);
  let bytes = 0;
  await pipeline(Readable.from(chunks), gate, async (source: AsyncIterable<Buffer>) => {
    for await (const chunk of source) bytes += chunk.length;
  });
  return { bytes, records: gate.recordCount };
}

describe('the .estb upload gate', () => {
  test('a whole file passes through unchanged, even split inside its header', async () => {
    const file = estbFile(3);
    expect(await pass([file.subarray(0, 7), file.subarray(7, 20), file.subarray(20)])).toEqual({ bytes: estbLength(3), records: 3 });
  });

  test.each([
    ['empty', [Buffer.alloc(0)], 'upload_empty'],
    ['cut in the header', [estbFile(2).subarray(0, 31)], 'upload_truncated'],
    ['cut in the records', [estbFile(2).subarray(0, 100)], 'upload_truncated'],
    ['longer than its header says', [estbFile(2), Buffer.alloc(1)], 'upload_not_estb'],
    ['without the ESTB magic', [Buffer.concat([Buffer.from('ESTX'), estbFile(2).subarray(4)])], 'upload_not_estb'],
    ['of another version', [Buffer.concat([Buffer.from('ESTB'), Buffer.from([2]), estbFile(2).subarray(5)])], 'upload_not_estb'],
    ['with more records than the limit', [estbFile(11)], 'upload_too_many_records'],
  ])('a file %s is refused', async (_name, chunks, code) => {
    await expect(pass(chunks)).rejects.toMatchObject({ code });
  });
});
