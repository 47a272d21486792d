"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.Acr30CardConnection = exports.Acr30Reader = void 0;
// An ACS ACR30S on a serial port, as a CardReader: reader control (status, card type, line speed,
// notifications, power) and the card connection whose APDUs travel in EXCHANGE_APDU.
const node_events_1 = require("node:events");
const reader_error_1 = require("../reader/reader-error");
const acr30_commands_1 = require("./acr30-commands");
const acr30_link_1 = require("./acr30-link");
const DEFAULT_TIMEOUTS = { controlMs: 2000, resetMs: 5000, exchangeMs: 10_000 };
class Acr30Reader extends node_events_1.EventEmitter {
    link;
    name;
    present = false;
    connection = null;
    timeouts;
    protocol;
    constructor(link, options) {
        super();
        this.link = link;
        this.name = `ACR30 ${options.path}`;
        this.timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
        this.protocol = options.protocol ?? 'T=1';
        link.on('unsolicited', (kind) => this.onUnsolicited(kind));
        link.on('vanished', (error) => {
            this.present = false;
            this.connection?.invalidate(error);
            this.emit('reader-vanished', error);
        });
    }
    /**
     * Opens the port at the hardware speed, reads the reader status, turns card notifications on and,
     * if asked, switches the line speed. Rejects with `reader_unavailable` when the port cannot be
     * opened or nothing answers there.
     */
    static async open(options) {
        for (const [k, v] of Object.entries(options.timeouts ?? {})) {
            if (!(typeof v === 'number' && v > 0))
                throw new RangeError(`timeouts.${k} must be positive, got ${String(v)}`);
        }
        const link = await acr30_link_1.Acr30Link.open({ path: options.path, baudRate: acr30_commands_1.HARDWARE_BAUD, retries: options.retries });
        const reader = new Acr30Reader(link, options);
        try {
            // A reader that powers up as we open announces a reset, which cancels the first command.
            const stat = await reader.status().catch((err) => {
                if (err instanceof reader_error_1.ReaderError && err.code === 'reader_reset')
                    return reader.status();
                throw err;
            });
            reader.present = stat.cardState !== 'absent';
            await reader.control(acr30_commands_1.INS.SET_NOTIFICATION, Buffer.from([acr30_commands_1.NOTIFY_ON]));
            if (options.baud && options.baud !== acr30_commands_1.HARDWARE_BAUD)
                await reader.setBaud(options.baud);
        }
        catch (err) {
            await link.close();
            if (err instanceof reader_error_1.ReaderError && err.code === 'timeout') {
                throw new reader_error_1.ReaderError('reader_unavailable', `No ACR30 answers on ${options.path}`, 'not_sent');
            }
            throw err;
        }
        return reader;
    }
    get cardPresent() {
        return this.present;
    }
    get counters() {
        return this.link.counters;
    }
    get baudRate() {
        return this.link.baudRate;
    }
    async status() {
        const reply = await this.control(acr30_commands_1.INS.GET_ACR_STAT, Buffer.alloc(0));
        const stat = (0, acr30_commands_1.parseAcrStat)(reply.data);
        if (!stat) {
            throw new reader_error_1.ReaderError('malformed_response', `GET_ACR_STAT answered ${reply.data.length} unreadable bytes`);
        }
        return stat;
    }
    /**
     * SET_PROTOCOL with a new line speed. The reply arrives at the old speed; then both ends switch and
     * GET_ACR_STAT proves the link. If that fails the host returns to 9600, where a reader that never
     * switched still listens.
     */
    async setBaud(baud) {
        const previous = this.link.baudRate;
        await this.control(acr30_commands_1.INS.SET_PROTOCOL, Buffer.from([0x00, (0, acr30_commands_1.baudCode)(baud)]));
        await this.link.setLineSpeed(baud);
        try {
            await this.status();
        }
        catch (err) {
            await this.link.setLineSpeed(previous);
            throw err;
        }
    }
    async setNotification(on) {
        await this.control(acr30_commands_1.INS.SET_NOTIFICATION, Buffer.from([on ? acr30_commands_1.NOTIFY_ON : acr30_commands_1.NOTIFY_OFF]));
    }
    async connect() {
        if (this.link.vanished)
            throw this.link.vanished;
        if (this.connection?.open)
            return this.connection;
        const type = this.protocol === 'T=1' ? acr30_commands_1.CARD_TYPE.MCU_T1 : acr30_commands_1.CARD_TYPE.MCU_T0;
        await this.control(acr30_commands_1.INS.SELECT_CARD_TYPE, Buffer.from([type]));
        const reply = await this.link.command(acr30_commands_1.INS.RESET, Buffer.alloc(0), {
            timeoutMs: this.timeouts.resetMs,
            repeatable: true,
        });
        const sw = (reply.sw1 << 8) | reply.sw2;
        if (sw === acr30_commands_1.READER_NO_CARD) {
            this.present = false;
            throw new reader_error_1.ReaderError('no_card', `No card in ${this.name}`, 'not_sent', hex4(sw));
        }
        if (!(0, acr30_commands_1.isReaderSuccess)(reply.sw1)) {
            throw new reader_error_1.ReaderError('reader_refused', `${this.name} could not power the card: ${(0, acr30_commands_1.describeReaderStatus)(sw)}`, 'not_sent', hex4(sw));
        }
        if (reply.data.length < 2)
            throw new reader_error_1.ReaderError('malformed_response', `${this.name} returned no ATR`);
        this.present = true;
        this.connection = new Acr30CardConnection(this, reply.data, this.protocol, (apdu) => this.exchange(apdu));
        return this.connection;
    }
    /** Powers the card down (POWER_OFF). */
    async powerOff() {
        this.connection?.invalidate(new reader_error_1.ReaderError('closed', 'The card was powered off', 'not_sent'));
        if (this.link.vanished)
            return;
        await this.control(acr30_commands_1.INS.POWER_OFF, Buffer.alloc(0));
    }
    async close() {
        this.connection?.invalidate(new reader_error_1.ReaderError('closed', `${this.name} was closed`, 'not_sent'));
        await this.link.close();
    }
    async control(ins, data) {
        const reply = await this.link.command(ins, data, { timeoutMs: this.timeouts.controlMs, repeatable: true });
        if (!(0, acr30_commands_1.isReaderSuccess)(reply.sw1)) {
            const sw = (reply.sw1 << 8) | reply.sw2;
            throw new reader_error_1.ReaderError('reader_refused', `${this.name} refused INS ${ins.toString(16)}: ${(0, acr30_commands_1.describeReaderStatus)(sw)}`, 'not_sent', hex4(sw));
        }
        return reply;
    }
    async exchange(apdu) {
        const wrapped = (0, acr30_commands_1.wrapForExchange)(apdu);
        if (!wrapped.ok)
            throw new reader_error_1.ReaderError('unsupported_command', `Cannot send this APDU: ${wrapped.reason}`, 'not_sent');
        const reply = await this.link.command(acr30_commands_1.INS.EXCHANGE_APDU, wrapped.data, {
            timeoutMs: this.timeouts.exchangeMs,
            repeatable: false,
        });
        const sw = (reply.sw1 << 8) | reply.sw2;
        if (sw === acr30_commands_1.READER_NO_CARD || sw === acr30_commands_1.READER_CARD_UNPOWERED) {
            const error = new reader_error_1.ReaderError('card_removed', `The card left ${this.name} during the command`, 'unknown', hex4(sw));
            this.connection?.invalidate(error);
            throw error;
        }
        if (!(0, acr30_commands_1.isReaderSuccess)(reply.sw1)) {
            throw new reader_error_1.ReaderError('reader_refused', `${this.name}: ${(0, acr30_commands_1.describeReaderStatus)(sw)}`, 'unknown', hex4(sw));
        }
        if (reply.data.length < 2) {
            throw new reader_error_1.ReaderError('malformed_response', `The card answered ${reply.data.length} byte(s) without SW1 SW2`);
        }
        return reply.data;
    }
    onUnsolicited(kind) {
        switch (kind) {
            case 'card-inserted':
                this.present = true;
                this.emit('card-inserted');
                return;
            case 'card-removed':
                this.present = false;
                this.connection?.invalidate(new reader_error_1.ReaderError('card_removed', `The card left ${this.name}`));
                this.emit('card-removed');
                return;
            case 'reset':
                this.connection?.invalidate(new reader_error_1.ReaderError('reader_reset', `${this.name} reset itself`));
                // After a reset the reader talks at 9600 again (§1.1).
                void this.link.setLineSpeed(acr30_commands_1.HARDWARE_BAUD).catch(() => undefined);
                this.emit('reader-reset');
                return;
        }
    }
}
exports.Acr30Reader = Acr30Reader;
class Acr30CardConnection {
    reader;
    atr;
    protocol;
    exchange;
    invalid = null;
    constructor(reader, atr, protocol, exchange) {
        this.reader = reader;
        this.atr = atr;
        this.protocol = protocol;
        this.exchange = exchange;
    }
    get open() {
        return this.invalid === null;
    }
    async transmit(apdu) {
        if (this.invalid) {
            throw new reader_error_1.ReaderError(this.invalid.code, `Command not sent: ${this.invalid.detail}`, 'not_sent', this.invalid.status);
        }
        if (this.protocol === 'T=0' && isCase4(apdu))
            return this.transmitCase4OverT0(apdu);
        return this.exchange(apdu);
    }
    async disconnect() {
        if (this.invalid)
            return;
        await this.reader.powerOff();
    }
    invalidate(error) {
        this.invalid ??= error;
    }
    /** T=0 cannot carry Lc and Le together: send case 3, then GET RESPONSE for the data (§1.7, background §3.5). */
    async transmitCase4OverT0(apdu) {
        const first = await this.exchange(apdu.subarray(0, apdu.length - 1));
        const sw1 = first[first.length - 2];
        if (sw1 !== 0x61)
            return first;
        const available = first[first.length - 1];
        const wanted = apdu[apdu.length - 1];
        return this.exchange(Buffer.from([0x00, 0xc0, 0x00, 0x00, Math.min(available || 0x100, wanted) & 0xff]));
    }
}
exports.Acr30CardConnection = Acr30CardConnection;
function isCase4(apdu) {
    return apdu.length > 5 && apdu[4] !== 0 && apdu.length === 6 + apdu[4];
}
function hex4(sw) {
    return sw.toString(16).toUpperCase().padStart(4, '0');
}
