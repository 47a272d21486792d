"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.Acr30Link = void 0;
// The host end of the ACR30 serial line: one command in flight (the reader is a strict master/slave
// device), unsolicited messages accepted at any moment, and recovery with NOT ACKNOWLEDGE in both
// directions (acr30-serial.md §1.5, §1.6, §1.9). Event-driven: a reply is handled the moment its
// ETX arrives; the only timers are the reply time-outs.
const node_events_1 = require("node:events");
const serialport_1 = require("serialport");
const reader_error_1 = require("../reader/reader-error");
const acr30_frame_1 = require("./acr30-frame");
const acr30_commands_1 = require("./acr30-commands");
const acr30_line_1 = require("./acr30-line");
/** Waited out after a recovery that followed silence, so a late duplicate reply cannot be taken for the next one. */
const QUIET_AFTER_RECOVERY_MS = 50;
class Acr30Link extends node_events_1.EventEmitter {
    port;
    path;
    counters = { bytesSent: 0, bytesReceived: 0, naksSent: 0, naksReceived: 0, noiseBytes: 0 };
    decoder = new acr30_line_1.AcrLineDecoder();
    inFlight = null;
    queue = Promise.resolve();
    /** Binary bytes of the last good reply: the one the reader repeats on NAK. */
    lastReply = null;
    quietUntil = 0;
    gone = null;
    retries;
    constructor(port, path, retries) {
        super();
        this.port = port;
        this.path = path;
        this.retries = retries;
        port.on('data', (chunk) => this.onData(chunk));
        port.on('close', (err) => {
            const detail = err?.disconnected ? 'was unplugged' : 'was closed';
            this.vanish(new reader_error_1.ReaderError('reader_vanished', `The ACR30 on ${path} ${detail}`));
        });
        port.on('error', (err) => this.vanish(new reader_error_1.ReaderError('reader_vanished', `The ACR30 on ${path} failed: ${err.message}`)));
    }
    static open(options) {
        const retries = options.retries ?? 3;
        if (!Number.isInteger(retries) || retries < 0)
            throw new RangeError(`retries must be >= 0, got ${retries}`);
        return new Promise((resolve, reject) => {
            const port = new serialport_1.SerialPort({ path: options.path, baudRate: options.baudRate, autoOpen: false });
            port.open((err) => {
                if (err) {
                    reject(new reader_error_1.ReaderError('reader_unavailable', `Cannot open serial port ${options.path}: ${err.message}`, 'not_sent'));
                    return;
                }
                // Bytes that sat in the input queue belong to nobody (Fullmer's driver flushes for the same reason).
                port.flush(() => resolve(new Acr30Link(port, options.path, retries)));
            });
        });
    }
    get vanished() {
        return this.gone;
    }
    /** Sends one command and resolves with the reader's reply (any reader status; the caller judges it). */
    command(ins, data, policy) {
        if (!(policy.timeoutMs > 0))
            throw new RangeError(`timeoutMs must be positive, got ${policy.timeoutMs}`);
        const wire = (0, acr30_line_1.toWire)((0, acr30_frame_1.encodeCommand)({ ins, data }));
        const run = this.queue.then(() => this.send(ins, wire, policy));
        this.queue = run.catch(() => undefined);
        return run;
    }
    /** Changes the local line speed; the reader's own speed is changed with SET_PROTOCOL first. */
    setLineSpeed(baudRate) {
        return new Promise((resolve, reject) => {
            this.port.update({ baudRate }, (err) => err
                ? reject(new reader_error_1.ReaderError('reader_refused', `Cannot set ${this.path} to ${baudRate} bps: ${err.message}`))
                : resolve());
        });
    }
    get baudRate() {
        return this.port.baudRate;
    }
    close() {
        if (!this.port.isOpen)
            return Promise.resolve();
        this.gone ??= new reader_error_1.ReaderError('closed', `The ACR30 on ${this.path} was closed by its owner`, 'not_sent');
        return new Promise((resolve) => this.port.close(() => resolve()));
    }
    async send(ins, wire, policy) {
        const wait = this.quietUntil - Date.now();
        if (wait > 0)
            await new Promise((r) => setTimeout(r, wait));
        if (this.gone) {
            throw new reader_error_1.ReaderError(this.gone.code, `Command not sent: ${this.gone.detail}`, 'not_sent');
        }
        return new Promise((resolve, reject) => {
            this.inFlight = { ins, wire, policy, resolve, reject, timer: null, naks: 0, resends: 0, askedAfterSilence: false };
            this.write(wire);
            this.arm();
        });
    }
    write(bytes) {
        this.counters.bytesSent += bytes.length;
        this.port.write(bytes);
    }
    arm() {
        const f = this.inFlight;
        if (!f)
            return;
        if (f.timer)
            clearTimeout(f.timer);
        f.timer = setTimeout(() => this.onSilence(), f.policy.timeoutMs);
    }
    settle(outcome) {
        const f = this.inFlight;
        if (!f)
            return;
        this.inFlight = null;
        if (f.timer)
            clearTimeout(f.timer);
        if (f.askedAfterSilence)
            this.quietUntil = Date.now() + QUIET_AFTER_RECOVERY_MS;
        if ('error' in outcome) {
            f.reject(outcome.error);
        }
        else {
            this.lastReply = outcome.bytes;
            f.resolve(outcome.reply);
        }
    }
    onSilence() {
        const f = this.inFlight;
        if (!f)
            return;
        const tries = f.naks + f.resends;
        if (tries >= this.retries) {
            this.settle({
                error: new reader_error_1.ReaderError('timeout', `The ACR30 on ${this.path} gave no reply to INS ${hex(f.ins)} within ${f.policy.timeoutMs} ms (${tries} retries)`),
            });
            return;
        }
        if (f.policy.repeatable) {
            f.resends += 1;
            this.write(f.wire);
        }
        else {
            f.naks += 1;
            f.askedAfterSilence = true;
            this.counters.naksSent += 1;
            this.write(acr30_line_1.NAK);
        }
        this.arm();
    }
    /** A reply came but is unreadable: ask the reader to repeat it (§1.5), never the command. */
    askAgain(why) {
        const f = this.inFlight;
        if (!f)
            return;
        if (f.naks >= this.retries) {
            this.settle({
                error: new reader_error_1.ReaderError('malformed_response', `The ACR30 on ${this.path} kept sending ${why} to INS ${hex(f.ins)}`),
            });
            return;
        }
        f.naks += 1;
        this.counters.naksSent += 1;
        this.write(acr30_line_1.NAK);
        this.arm();
    }
    onData(chunk) {
        this.counters.bytesReceived += chunk.length;
        for (const event of this.decoder.push(chunk))
            this.onLineEvent(event);
    }
    onLineEvent(event) {
        switch (event.kind) {
            case 'noise':
                this.counters.noiseBytes += event.count;
                return;
            case 'nak':
                this.counters.naksReceived += 1;
                this.onReaderNak();
                return;
            case 'bad-frame':
                this.askAgain(`an unreadable frame (${event.reason})`);
                return;
            case 'frame':
                this.onFrame(event.bytes);
                return;
        }
    }
    /** The reader found a length or checksum error in our command and discarded it: resending is safe. */
    onReaderNak() {
        const f = this.inFlight;
        if (!f)
            return;
        if (f.resends >= this.retries) {
            this.settle({
                error: new reader_error_1.ReaderError('malformed_response', `The ACR30 on ${this.path} refused INS ${hex(f.ins)} as corrupt ${f.resends + 1} times`, 'not_sent'),
            });
            return;
        }
        f.resends += 1;
        this.write(f.wire);
        this.arm();
    }
    onFrame(bytes) {
        const decoded = (0, acr30_frame_1.decodeResponse)(bytes);
        if (!decoded.ok) {
            this.askAgain(`a reply with ${decoded.fault.replace('_', ' ')}`);
            return;
        }
        const reply = decoded.value;
        if (reply.sw1 === acr30_commands_1.UNSOLICITED_SW1) {
            this.onUnsolicited(reply);
            return;
        }
        const f = this.inFlight;
        if (!f)
            return; // a late duplicate after a recovery: nobody asked for it
        if (f.askedAfterSilence && this.lastReply && bytes.equals(this.lastReply)) {
            // The reader may never have seen this command and just repeated the previous reply.
            if (f.policy.repeatable && f.resends < this.retries) {
                f.resends += 1;
                f.askedAfterSilence = false;
                this.write(f.wire);
                this.arm();
                return;
            }
            this.settle({
                error: new reader_error_1.ReaderError('outcome_unknown', `The ACR30 on ${this.path} did not answer INS ${hex(f.ins)}, and on NAK repeated the previous reply`),
            });
            return;
        }
        this.settle({ reply, bytes });
    }
    onUnsolicited(message) {
        const kind = message.sw2 === acr30_commands_1.UNSOLICITED.RESET
            ? 'reset'
            : message.sw2 === acr30_commands_1.UNSOLICITED.CARD_INSERTED
                ? 'card-inserted'
                : message.sw2 === acr30_commands_1.UNSOLICITED.CARD_REMOVED
                    ? 'card-removed'
                    : undefined;
        if (!kind)
            return;
        if (kind === 'reset' && this.inFlight) {
            this.settle({
                error: new reader_error_1.ReaderError('reader_reset', `The ACR30 on ${this.path} reset itself during INS ${hex(this.inFlight.ins)}`),
            });
        }
        this.emit('unsolicited', kind, message.data);
    }
    vanish(error) {
        const owner = this.gone;
        if (owner && owner.code !== 'closed')
            return; // already vanished
        if (owner) {
            this.settle({ error: owner });
            return;
        }
        this.gone = error;
        this.settle({ error });
        this.emit('vanished', error);
    }
}
exports.Acr30Link = Acr30Link;
function hex(ins) {
    return ins.toString(16).toUpperCase().padStart(2, '0') + 'h';
}
