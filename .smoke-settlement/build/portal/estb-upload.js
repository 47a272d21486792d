"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.EstbUploadGate = exports.ESTB_TRAILER_BYTES = exports.ESTB_RECORD_BYTES = exports.ESTB_HEADER_BYTES = void 0;
exports.estbLength = estbLength;
const node_stream_1 = require("node:stream");
const errors_1 = require("./errors");
/**
 * A gate in front of the settlement workflow for an uploaded `.estb` file (spec/esmart-card.md
 * §4.5): it checks, while the bytes stream through, what can be checked without keys — the magic,
 * the version, the record count against the limit, and that the length matches the header — so a
 * wrong, empty, truncated or oversized file is refused with a clear reason. MACs are the
 * workflow's business. Nothing is buffered beyond the 32-byte header.
 */
exports.ESTB_HEADER_BYTES = 32;
exports.ESTB_RECORD_BYTES = 48;
exports.ESTB_TRAILER_BYTES = 8;
function estbLength(records) {
    return exports.ESTB_HEADER_BYTES + records * exports.ESTB_RECORD_BYTES + exports.ESTB_TRAILER_BYTES;
}
class EstbUploadGate extends node_stream_1.Transform {
    maxRecords;
    header = Buffer.alloc(0);
    expectedBytes = null;
    seenBytes = 0;
    constructor(maxRecords) {
        super();
        this.maxRecords = maxRecords;
    }
    /** The number of records the header announces, once the header went through. */
    recordCount = null;
    _transform(chunk, _encoding, callback) {
        this.seenBytes += chunk.length;
        if (this.expectedBytes === null) {
            this.header = Buffer.concat([this.header, chunk.subarray(0, exports.ESTB_HEADER_BYTES - this.header.length)]);
            if (this.header.length === exports.ESTB_HEADER_BYTES) {
                const refusal = this.checkHeader(this.header);
                if (refusal)
                    return callback(refusal);
            }
        }
        if (this.expectedBytes !== null && this.seenBytes > this.expectedBytes) {
            return callback(new errors_1.PortalError('upload_not_estb', 'The file is longer than its header says; upload the .estb file exactly as the Transfer card exported it.', { field: 'file' }));
        }
        callback(null, chunk);
    }
    _flush(callback) {
        if (this.seenBytes === 0)
            return callback(new errors_1.PortalError('upload_empty', 'The file is empty; choose the .estb file the Transfer card exported.', { field: 'file' }));
        if (this.expectedBytes === null) {
            return callback(new errors_1.PortalError('upload_truncated', 'The file ends inside its header; export it from the Transfer card again and upload the new file.', { field: 'file' }));
        }
        if (this.seenBytes < this.expectedBytes) {
            return callback(new errors_1.PortalError('upload_truncated', `The file is cut short (${this.seenBytes} of ${this.expectedBytes} bytes); export it from the Transfer card again and upload the new file.`, { field: 'file' }));
        }
        callback();
    }
    checkHeader(header) {
        if (header.subarray(0, 4).toString('latin1') !== 'ESTB' || header[4] !== 0x01) {
            return new errors_1.PortalError('upload_not_estb', 'This is not a settlement file (.estb); choose the file the Transfer card exported.', { field: 'file' });
        }
        const records = header.readUInt32BE(17);
        if (records > this.maxRecords) {
            return new errors_1.PortalError('upload_too_many_records', `The file has ${records} records, more than the ${this.maxRecords} one upload takes; split the batch on the Transfer card.`, { field: 'file' });
        }
        this.recordCount = records;
        this.expectedBytes = estbLength(records);
        return null;
    }
}
exports.EstbUploadGate = EstbUploadGate;
