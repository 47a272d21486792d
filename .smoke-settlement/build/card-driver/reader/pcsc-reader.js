"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.PcscCardConnection = exports.PcscCardReader = exports.PcscService = void 0;
// PC/SC readers through `pcsclite` (any USB CCID reader, and vpcd's "Virtual PCD" in tests).
// pcsclite reports presence through a background SCardGetStatusChange loop; we turn its raw state
// words into card-inserted / card-removed edges and its errors into ReaderErrors.
const node_events_1 = require("node:events");
const pcsclite_1 = __importDefault(require("pcsclite"));
const pcsc_failure_1 = require("./pcsc-failure");
const reader_error_1 = require("./reader-error");
/** Receive buffer for a short APDU response: 256 data bytes + SW1 SW2. */
const SHORT_RESPONSE_BYTES = 258;
/** pcsc-lite's SCARD_STATE_PRESENT; pcsclite exposes it per reader too, but we need it before one exists. */
const STATE_PRESENT = 0x0020;
/** A session with pcscd: which readers exist, and a CardReader for each. */
class PcscService {
    options;
    pcsc;
    readers = new Map();
    failure = null;
    closed = false;
    changed = new node_events_1.EventEmitter();
    constructor(options) {
        this.options = options;
        try {
            this.pcsc = (0, pcsclite_1.default)();
        }
        catch (err) {
            throw new reader_error_1.ReaderError('reader_unavailable', `Cannot start a PC/SC session (${err.message}); is pcscd running (PCSCLITE_CSOCK_NAME)?`, 'not_sent');
        }
        this.pcsc.on('reader', (raw) => {
            const reader = new PcscCardReader(raw, this.options);
            this.readers.set(raw.name, reader);
            reader.once('reader-vanished', () => {
                if (this.readers.get(raw.name) === reader)
                    this.readers.delete(raw.name);
            });
            this.changed.emit('change');
        });
        this.pcsc.on('error', (err) => {
            // The status loop died (pcscd stopped or unreachable): every reader is gone with it.
            this.failure = (0, pcsc_failure_1.readerErrorFromPcsc)(err, 'status', 'PC/SC');
            for (const reader of this.readers.values())
                reader.vanish(this.failure);
            this.readers.clear();
            this.changed.emit('change');
        });
    }
    static open(options = {}) {
        return new PcscService(options);
    }
    readerNames() {
        return [...this.readers.keys()];
    }
    /**
     * Resolves with the named reader once pcscd lists it. Rejects with `reader_unavailable` when it
     * does not appear within `timeoutMs` or the PC/SC session fails.
     */
    reader(name, timeoutMs = 3000) {
        if (this.closed)
            return Promise.reject(new reader_error_1.ReaderError('closed', 'This PC/SC session is closed', 'not_sent'));
        return new Promise((resolve, reject) => {
            const check = () => {
                const found = this.readers.get(name);
                if (found) {
                    finish();
                    resolve(found);
                    return true;
                }
                if (this.failure) {
                    finish();
                    reject(this.failure);
                    return true;
                }
                return false;
            };
            const finish = () => {
                clearTimeout(timer);
                this.changed.off('change', check);
            };
            const timer = setTimeout(() => {
                finish();
                const known = this.readerNames();
                reject(new reader_error_1.ReaderError('reader_unavailable', `PC/SC reader "${name}" not found within ${timeoutMs} ms (readers: ${known.length ? known.join(', ') : 'none'})`, 'not_sent'));
            }, timeoutMs);
            this.changed.on('change', check);
            check();
        });
    }
    /** Waits until pcscd has reported at least one reader (or `timeoutMs` passed), then lists them. */
    async listReaders(timeoutMs = 1000) {
        if (this.readers.size === 0 && !this.failure) {
            await new Promise((resolve) => {
                const timer = setTimeout(done, timeoutMs);
                function done() {
                    clearTimeout(timer);
                    resolve();
                }
                this.changed.once('change', done);
            });
        }
        if (this.failure)
            throw this.failure;
        return this.readerNames();
    }
    async close() {
        if (this.closed)
            return;
        this.closed = true;
        await Promise.all([...this.readers.values()].map((r) => r.close()));
        this.readers.clear();
        this.pcsc.close();
    }
}
exports.PcscService = PcscService;
class PcscCardReader extends node_events_1.EventEmitter {
    raw;
    options;
    name;
    present = false;
    atr = null;
    connection = null;
    gone = null;
    constructor(raw, options) {
        super();
        this.raw = raw;
        this.options = options;
        this.name = raw.name;
        raw.on('status', (status) => this.onStatus(status.state, status.atr));
        raw.on('end', () => this.vanish(new reader_error_1.ReaderError('reader_vanished', `PC/SC reader "${this.name}" was removed`)));
        raw.on('error', (err) => this.vanish((0, pcsc_failure_1.readerErrorFromPcsc)(err, 'status', this.name)));
    }
    get cardPresent() {
        return this.present;
    }
    async connect() {
        if (this.gone)
            throw this.gone;
        if (this.connection?.open)
            return this.connection;
        if (!this.present)
            throw new reader_error_1.ReaderError('no_card', `No card in PC/SC reader "${this.name}"`, 'not_sent');
        const raw = this.raw;
        const protocol = await new Promise((resolve, reject) => {
            raw.connect({ share_mode: raw.SCARD_SHARE_SHARED, protocol: raw.SCARD_PROTOCOL_T0 | raw.SCARD_PROTOCOL_T1 }, (err, chosen) => (err ? reject((0, pcsc_failure_1.readerErrorFromPcsc)(err, 'connect', this.name)) : resolve(chosen)));
        });
        const atr = this.readAtr();
        this.connection = new PcscCardConnection(this, raw, protocol, atr, this.options);
        return this.connection;
    }
    async close() {
        if (this.connection)
            await this.connection.disconnect();
        this.gone ??= new reader_error_1.ReaderError('closed', `PC/SC reader "${this.name}" was closed by its owner`, 'not_sent');
        this.raw.removeAllListeners('status');
        this.raw.close();
    }
    /**
     * Resolves true once pcscd reports the card gone, false if it is still there after `graceMs`.
     * pcsclite's own get_status() would start a second status thread that close() never joins, so
     * presence is only ever learnt from the status events.
     */
    cardLeavesWithin(graceMs) {
        if (!this.present)
            return Promise.resolve(true);
        return new Promise((resolve) => {
            const done = (left) => {
                clearTimeout(timer);
                this.off('card-removed', onRemoved);
                this.off('reader-vanished', onRemoved);
                resolve(left);
            };
            const onRemoved = () => done(true);
            const timer = setTimeout(() => done(false), graceMs);
            this.on('card-removed', onRemoved);
            this.on('reader-vanished', onRemoved);
        });
    }
    /** Called by the session when the reader (or pcscd itself) is gone. */
    vanish(error) {
        if (this.gone)
            return;
        this.gone = error;
        this.connection?.invalidate(error);
        this.present = false;
        this.emit('reader-vanished', error);
    }
    readAtr() {
        const atr = this.atr;
        if (!atr || atr.length < 2) {
            throw new reader_error_1.ReaderError('malformed_response', `PC/SC reader "${this.name}" reported no ATR for its card`);
        }
        return atr;
    }
    onStatus(state, atr) {
        process.stderr.write(`DBG status ${state.toString(16)} ${atr?.toString("hex")}\n`);
        if (this.gone)
            return;
        if (atr && atr.length > 0)
            this.atr = atr;
        const present = (state & STATE_PRESENT) !== 0;
        if (present === this.present)
            return;
        this.present = present;
        if (present) {
            this.emit('card-inserted');
        }
        else {
            this.connection?.invalidate(new reader_error_1.ReaderError('card_removed', `The card left PC/SC reader "${this.name}"`));
            this.emit('card-removed');
        }
    }
}
exports.PcscCardReader = PcscCardReader;
class PcscCardConnection {
    reader;
    raw;
    protocol;
    atr;
    invalid = null;
    disconnected = false;
    /** One APDU at a time: a card is a strict request/response device. */
    queue = Promise.resolve();
    timeoutMs;
    maxResponseBytes;
    removalGraceMs;
    constructor(reader, raw, protocol, atr, options) {
        this.reader = reader;
        this.raw = raw;
        this.protocol = protocol;
        this.atr = atr;
        this.timeoutMs = options.commandTimeoutMs ?? 10_000;
        this.maxResponseBytes = options.maxResponseBytes ?? SHORT_RESPONSE_BYTES;
        this.removalGraceMs = options.removalGraceMs ?? 1500;
        if (!(this.timeoutMs > 0))
            throw new RangeError(`commandTimeoutMs must be positive, got ${this.timeoutMs}`);
    }
    get open() {
        return !this.invalid && !this.disconnected;
    }
    transmit(apdu) {
        if (apdu.length < 4)
            throw new RangeError(`A command APDU has at least 4 bytes, got ${apdu.length}`);
        const run = this.queue.then(() => this.transmitNow(apdu));
        this.queue = run.catch(() => undefined);
        return run;
    }
    async disconnect() {
        if (this.disconnected)
            return;
        this.disconnected = true;
        if (!this.raw.connected)
            return;
        await new Promise((resolve) => {
            // A failed disconnect leaves nothing to undo: the card is gone or pcscd released the handle.
            this.raw.disconnect(this.raw.SCARD_UNPOWER_CARD, () => resolve());
        });
    }
    invalidate(error) {
        this.invalid ??= error;
    }
    transmitNow(apdu) {
        if (this.disconnected) {
            return Promise.reject(new reader_error_1.ReaderError('closed', 'This card connection was disconnected', 'not_sent'));
        }
        if (this.invalid)
            return Promise.reject(this.refused(this.invalid));
        return new Promise((resolve, reject) => {
            let settled = false;
            const timer = setTimeout(() => {
                settled = true;
                reject(new reader_error_1.ReaderError('timeout', `The card in "${this.reader.name}" did not answer within ${this.timeoutMs} ms`));
            }, this.timeoutMs);
            this.raw.transmit(apdu, this.maxResponseBytes, this.protocol, (err, data) => {
                if (settled)
                    return;
                settled = true;
                clearTimeout(timer);
                if (err) {
                    const error = (0, pcsc_failure_1.readerErrorFromPcsc)(err, 'transmit', this.reader.name);
                    if (error.code === 'card_removed' || error.code === 'reader_vanished')
                        this.invalidate(error);
                    reject(error);
                }
                else if (!data || data.length < 2) {
                    // vpcd answers an empty buffer (and no error) when the card vanished mid-command.
                    this.explainShortResponse(data?.length ?? 0).then(reject, reject);
                }
                else {
                    resolve(data);
                }
            });
        });
    }
    async explainShortResponse(length) {
        if (await this.reader.cardLeavesWithin(this.removalGraceMs)) {
            const error = new reader_error_1.ReaderError('card_removed', `The card left "${this.reader.name}" during the command`);
            this.invalidate(error);
            return error;
        }
        return new reader_error_1.ReaderError('malformed_response', `The card in "${this.reader.name}" answered ${length} byte(s); a response carries at least SW1 SW2`);
    }
    refused(cause) {
        return new reader_error_1.ReaderError(cause.code, `Command not sent: ${cause.detail}`, 'not_sent', cause.status);
    }
}
exports.PcscCardConnection = PcscCardConnection;
