"use strict";
var __createBinding = (this && this.__createBinding) || (Object.create ? (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    var desc = Object.getOwnPropertyDescriptor(m, k);
    if (!desc || ("get" in desc ? !m.__esModule : desc.writable || desc.configurable)) {
      desc = { enumerable: true, get: function() { return m[k]; } };
    }
    Object.defineProperty(o, k2, desc);
}) : (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    o[k2] = m[k];
}));
var __setModuleDefault = (this && this.__setModuleDefault) || (Object.create ? (function(o, v) {
    Object.defineProperty(o, "default", { enumerable: true, value: v });
}) : function(o, v) {
    o["default"] = v;
});
var __importStar = (this && this.__importStar) || (function () {
    var ownKeys = function(o) {
        ownKeys = Object.getOwnPropertyNames || function (o) {
            var ar = [];
            for (var k in o) if (Object.prototype.hasOwnProperty.call(o, k)) ar[ar.length] = k;
            return ar;
        };
        return ownKeys(o);
    };
    return function (mod) {
        if (mod && mod.__esModule) return mod;
        var result = {};
        if (mod != null) for (var k = ownKeys(mod), i = 0; i < k.length; i++) if (k[i] !== "default") __createBinding(result, mod, k[i]);
        __setModuleDefault(result, mod);
        return result;
    };
})();
Object.defineProperty(exports, "__esModule", { value: true });
exports.EstbFileWriter = void 0;
exports.encodeEstbFile = encodeEstbFile;
// Writing a signed `.estb` file: in memory for small batches, or streamed to disk for large ones
// (the Transfer card simulator and the benchmark write a million records without holding them).
const fs = __importStar(require("node:fs"));
const retail_mac_1 = require("../crypto/retail-mac");
const estb_error_1 = require("./estb-error");
const estb_format_1 = require("./estb-format");
/** The whole file: header ‖ records ‖ MAC(KT, 06 ‖ header ‖ records). Records are 48-byte encoded records. */
function encodeEstbFile(header, records, transferKey) {
    const head = (0, estb_format_1.encodeHeader)({ ...header, recordCount: records.length });
    const mac = new retail_mac_1.RetailMacStream(transferKey).update(estb_format_1.FILE_MAC_TAG).update(head);
    for (const r of records) {
        if (r.length !== estb_format_1.RECORD_BYTES)
            throw new estb_error_1.EstbError('invalid_record', `A record is ${estb_format_1.RECORD_BYTES} bytes.`);
        mac.update(r);
    }
    return Buffer.concat([head, ...records, mac.digest()]);
}
const FLUSH_BYTES = 1 << 20;
/** Streams a file to disk; the record count goes into the header, so it is fixed up front. */
class EstbFileWriter {
    #fd;
    #mac;
    #expected;
    #written = 0;
    #pending = [];
    #pendingBytes = 0;
    #closed = false;
    constructor(path, header, transferKey) {
        this.#expected = header.recordCount;
        const head = (0, estb_format_1.encodeHeader)(header);
        this.#fd = fs.openSync(path, 'w');
        this.#mac = new retail_mac_1.RetailMacStream(transferKey).update(estb_format_1.FILE_MAC_TAG);
        this.#push(head);
    }
    write(record) {
        if (this.#closed)
            throw new estb_error_1.EstbError('record_count_mismatch', 'This .estb file is already finished.');
        if (record.length !== estb_format_1.RECORD_BYTES)
            throw new estb_error_1.EstbError('invalid_record', `A record is ${estb_format_1.RECORD_BYTES} bytes.`);
        if (this.#written >= this.#expected)
            throw new estb_error_1.EstbError('record_count_mismatch', `The header announced ${this.#expected} records; no more fit.`);
        this.#written++;
        this.#push(record);
    }
    /** Writes the trailer and closes the file; refuses when fewer records than announced were written. */
    finish() {
        if (this.#written !== this.#expected) {
            this.#abandon();
            throw new estb_error_1.EstbError('record_count_mismatch', `The header announced ${this.#expected} records but ${this.#written} were written.`);
        }
        this.#flush();
        fs.writeSync(this.#fd, this.#mac.digest());
        this.#closed = true;
        fs.closeSync(this.#fd);
    }
    #push(bytes) {
        this.#pending.push(bytes);
        this.#pendingBytes += bytes.length;
        if (this.#pendingBytes >= FLUSH_BYTES)
            this.#flush();
    }
    #flush() {
        if (this.#pendingBytes === 0)
            return;
        const chunk = Buffer.concat(this.#pending, this.#pendingBytes);
        this.#mac.update(chunk);
        fs.writeSync(this.#fd, chunk);
        this.#pending = [];
        this.#pendingBytes = 0;
    }
    #abandon() {
        this.#closed = true;
        fs.closeSync(this.#fd);
    }
}
exports.EstbFileWriter = EstbFileWriter;
