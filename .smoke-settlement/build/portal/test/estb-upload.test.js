"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
const node_stream_1 = require("node:stream");
const promises_1 = require("node:stream/promises");
const estb_upload_1 = require("../estb-upload");
const harness_1 = require("./support/harness");
async function pass(chunks, maxRecords = 10) {
    const gate = new estb_upload_1.EstbUploadGate(maxRecords);
    let bytes = 0;
    await (0, promises_1.pipeline)(node_stream_1.Readable.from(chunks), gate, async (source) => {
        for await (const chunk of source)
            bytes += chunk.length;
    });
    return { bytes, records: gate.recordCount };
}
describe('the .estb upload gate', () => {
    test('a whole file passes through unchanged, even split inside its header', async () => {
        const file = (0, harness_1.estbFile)(3);
        expect(await pass([file.subarray(0, 7), file.subarray(7, 20), file.subarray(20)])).toEqual({ bytes: (0, estb_upload_1.estbLength)(3), records: 3 });
    });
    test.each([
        ['empty', [Buffer.alloc(0)], 'upload_empty'],
        ['cut in the header', [(0, harness_1.estbFile)(2).subarray(0, 31)], 'upload_truncated'],
        ['cut in the records', [(0, harness_1.estbFile)(2).subarray(0, 100)], 'upload_truncated'],
        ['longer than its header says', [(0, harness_1.estbFile)(2), Buffer.alloc(1)], 'upload_not_estb'],
        ['without the ESTB magic', [Buffer.concat([Buffer.from('ESTX'), (0, harness_1.estbFile)(2).subarray(4)])], 'upload_not_estb'],
        ['of another version', [Buffer.concat([Buffer.from('ESTB'), Buffer.from([2]), (0, harness_1.estbFile)(2).subarray(5)])], 'upload_not_estb'],
        ['with more records than the limit', [(0, harness_1.estbFile)(11)], 'upload_too_many_records'],
    ])('a file %s is refused', async (_name, chunks, code) => {
        await expect(pass(chunks)).rejects.toMatchObject({ code });
    });
});
