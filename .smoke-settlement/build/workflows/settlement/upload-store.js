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
exports.storeUpload = storeUpload;
/**
 * The upload store: files the portal or the CLI received, kept under their SHA-256 so the worker
 * reads exactly what was uploaded (workflows carry the path and hash, never the bytes). A stored
 * file is never rewritten: the same content always lands on the same name.
 */
const node_crypto_1 = require("node:crypto");
const fs = __importStar(require("node:fs"));
const path = __importStar(require("node:path"));
const promises_1 = require("node:stream/promises");
const node_stream_1 = require("node:stream");
const settlement_error_1 = require("./settlement-error");
/** Copies `source` into `directory` as `<sha256><extension>`; returns where it is and its hash. */
async function storeUpload(source, directory, extension) {
    await fs.promises.mkdir(directory, { recursive: true });
    const partial = path.join(directory, `.incoming-${(0, node_crypto_1.randomBytes)(8).toString('hex')}`);
    const sha256 = (0, node_crypto_1.createHash)('sha256');
    try {
        await (0, promises_1.pipeline)(fs.createReadStream(source), new node_stream_1.Transform({
            transform(chunk, _encoding, done) {
                sha256.update(chunk);
                done(null, chunk);
            },
        }), fs.createWriteStream(partial, { flags: 'wx' }));
    }
    catch (err) {
        await fs.promises.rm(partial, { force: true });
        const code = err.code ?? 'unknown';
        throw new settlement_error_1.SettlementError('upload_unreadable', `Cannot store the upload ${source} (${code}); check that the file exists and that ${directory} is writable.`, { cause: err });
    }
    const hash = sha256.digest('hex');
    const stored = path.join(directory, `${hash}${extension}`);
    await fs.promises.rename(partial, stored);
    return { path: stored, sha256: hash };
}
