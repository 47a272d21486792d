"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.Acr30Simulator = void 0;
exports.offersT1 = offersT1;
// An ACR30S reader on one end of a pseudo-terminal pair: it speaks the serial protocol of
// acr30-serial.md to whatever opens the other end, with a virtual card in its slot (or none).
// Both directions are paced at the configured line speed (see WirePacer), and tests can inject the
// faults a real line produces: lost, corrupt or split replies, NAKed commands, unsolicited frames.
const node_events_1 = require("node:events");
const serialport_1 = require("serialport");
const acr30_commands_1 = require("./acr30-commands");
const acr30_frame_1 = require("./acr30-frame");
const acr30_line_1 = require("./acr30-line");
const wire_pacer_1 = require("./wire-pacer");
const FIRMWARE = 'ACR30S-SIM';
class Acr30Simulator extends node_events_1.EventEmitter {
    port;
    decoder = new acr30_line_1.AcrLineDecoder();
    rx;
    tx;
    card;
    powered = false;
    cardType = acr30_commands_1.CARD_TYPE.AUTO;
    notify = true;
    baud = acr30_commands_1.HARDWARE_BAUD;
    lastReply = null;
    busy = false;
    waiting = [];
    idleMessages = [];
    faults = [];
    cardProcessingMs;
    closed = false;
    deafUntil = 0;
    timers = new Set();
    constructor(port, options) {
        super();
        this.port = port;
        const paced = options.paced ?? true;
        this.rx = new wire_pacer_1.WirePacer(acr30_commands_1.HARDWARE_BAUD, paced);
        this.tx = new wire_pacer_1.WirePacer(acr30_commands_1.HARDWARE_BAUD, paced);
        this.card = options.card ?? null;
        this.cardProcessingMs = options.cardProcessingMs ?? 0;
        if (!(this.cardProcessingMs >= 0))
            throw new RangeError('cardProcessingMs must be >= 0');
        port.on('data', (chunk) => {
            // The host wrote at memory speed; the reader only has each byte once the line carried it.
            void this.rx.carry(Buffer.from(chunk), (arrived) => this.onBytes(arrived));
        });
        port.on('close', () => {
            this.closed = true;
        });
        // A vanished host end is the host's problem; the simulator just stops.
        port.on('error', () => {
            this.closed = true;
        });
    }
    static open(options) {
        return new Promise((resolve, reject) => {
            const port = new serialport_1.SerialPort({ path: options.path, baudRate: acr30_commands_1.HARDWARE_BAUD, autoOpen: false });
            port.open((err) => {
                if (err) {
                    reject(new Error(`ACR30 simulator cannot open ${options.path}: ${err.message}`));
                    return;
                }
                const sim = new Acr30Simulator(port, options);
                if (options.announceReset ?? true)
                    sim.sendUnsolicited(acr30_commands_1.UNSOLICITED.RESET, Buffer.from([(0, acr30_commands_1.baudCode)(acr30_commands_1.HARDWARE_BAUD)]));
                resolve(sim);
            });
        });
    }
    get lineSpeed() {
        return this.baud;
    }
    get cardInserted() {
        return this.card !== null;
    }
    /** Puts a card into the slot; the host hears of it when the reader is idle (§1.6). */
    insert(card) {
        card.insert?.();
        this.card = card;
        this.powered = false;
        if (this.notify)
            this.whenIdle(this.unsolicitedFrame(acr30_commands_1.UNSOLICITED.CARD_INSERTED));
    }
    /** Takes the card out; a command in progress then fails with 60 04. */
    remove() {
        if (!this.card)
            return;
        this.card.powerOff?.();
        this.card = null;
        this.powered = false;
        if (this.notify)
            this.whenIdle(this.unsolicitedFrame(acr30_commands_1.UNSOLICITED.CARD_REMOVED));
    }
    /** A power cycle: volatile settings are lost, the line returns to 9600 and the reset message goes out. */
    powerCycle() {
        this.powered = false;
        this.card?.powerOff?.();
        this.cardType = acr30_commands_1.CARD_TYPE.AUTO;
        this.notify = true;
        this.lastReply = null;
        this.setBaud(acr30_commands_1.HARDWARE_BAUD);
        this.sendUnsolicited(acr30_commands_1.UNSOLICITED.RESET, Buffer.from([(0, acr30_commands_1.baudCode)(acr30_commands_1.HARDWARE_BAUD)]));
    }
    inject(fault) {
        if (fault.kind === 'deaf')
            this.deafUntil = Date.now() + fault.ms;
        else
            this.faults.push(fault);
    }
    /** Puts raw bytes on the line (garbage, hand-made frames). */
    sendRaw(bytes) {
        return this.transmit(bytes);
    }
    close() {
        this.closed = true;
        for (const timer of this.timers)
            clearTimeout(timer);
        this.timers.clear();
        if (!this.port.isOpen)
            return Promise.resolve();
        return new Promise((resolve) => this.port.close(() => resolve()));
    }
    takeFault(kind) {
        const i = this.faults.findIndex((f) => f.kind === kind);
        if (i < 0)
            return undefined;
        return this.faults.splice(i, 1)[0];
    }
    transmit(bytes) {
        if (this.closed)
            return Promise.resolve();
        return this.tx.carry(bytes, (chunk) => {
            if (!this.closed)
                this.port.write(chunk);
        });
    }
    setBaud(baud) {
        this.baud = baud;
        this.rx.setBaud(baud);
        this.tx.setBaud(baud);
        this.emit('baud', baud);
    }
    unsolicitedFrame(kind, data = Buffer.alloc(0)) {
        return (0, acr30_line_1.toWire)((0, acr30_frame_1.encodeResponse)({ sw1: acr30_commands_1.UNSOLICITED_SW1, sw2: kind, data }));
    }
    sendUnsolicited(kind, data) {
        void this.transmit(this.unsolicitedFrame(kind, data));
    }
    whenIdle(frame) {
        if (this.busy)
            this.idleMessages.push(frame);
        else
            void this.transmit(frame);
    }
    /** A wait that close() cuts short, so a closed simulator leaves no timers behind. */
    sleep(ms) {
        return new Promise((resolve) => {
            const timer = setTimeout(() => {
                this.timers.delete(timer);
                resolve();
            }, ms);
            this.timers.add(timer);
        });
    }
    onBytes(bytes) {
        if (Date.now() < this.deafUntil)
            return;
        for (const event of this.decoder.push(bytes)) {
            switch (event.kind) {
                case 'nak':
                    this.emit('host-nak');
                    if (this.lastReply)
                        void this.transmit(this.lastReply);
                    break;
                case 'bad-frame':
                    void this.transmit(acr30_line_1.NAK);
                    break;
                case 'noise':
                    break;
                case 'frame': {
                    const decoded = (0, acr30_frame_1.decodeCommand)(event.bytes);
                    if (!decoded.ok)
                        void this.transmit(acr30_line_1.NAK);
                    else
                        this.enqueue(decoded.value);
                    break;
                }
            }
        }
    }
    enqueue(command) {
        this.waiting.push(command);
        if (!this.busy)
            void this.drain();
    }
    async drain() {
        this.busy = true;
        for (let command = this.waiting.shift(); command; command = this.waiting.shift()) {
            if (this.closed)
                break;
            if (this.takeFault('nak-command')) {
                await this.transmit(acr30_line_1.NAK);
                continue;
            }
            this.emit('command', command);
            const { sw, data, afterReply } = await this.execute(command);
            await this.reply(sw, data);
            afterReply?.();
        }
        this.busy = false;
        for (let frame = this.idleMessages.shift(); frame; frame = this.idleMessages.shift())
            void this.transmit(frame);
    }
    async reply(sw, data) {
        const wire = (0, acr30_line_1.toWire)((0, acr30_frame_1.encodeResponse)({ sw1: sw >> 8, sw2: sw & 0xff, data }));
        const delay = this.takeFault('delay-reply');
        if (delay)
            await this.sleep(delay.ms);
        this.lastReply = wire;
        const before = this.takeFault('unsolicited-before-reply');
        if (before) {
            const kind = before.message === 'card-inserted' ? acr30_commands_1.UNSOLICITED.CARD_INSERTED : acr30_commands_1.UNSOLICITED.CARD_REMOVED;
            await this.transmit(this.unsolicitedFrame(kind));
        }
        if (this.takeFault('drop-reply'))
            return;
        if (this.takeFault('corrupt-reply')) {
            const bad = Buffer.from(wire);
            // Flip a bit of the checksum's last hex digit: still hex, no longer a valid XOR.
            bad[bad.length - 2] = bad[bad.length - 2] === 0x30 ? 0x31 : 0x30;
            await this.transmit(bad);
            return;
        }
        const split = this.takeFault('split-reply');
        if (split) {
            const half = Math.floor(wire.length / 2);
            await this.transmit(wire.subarray(0, half));
            await this.sleep(split.pauseMs);
            await this.transmit(wire.subarray(half));
            return;
        }
        await this.transmit(wire);
    }
    async execute(command) {
        const none = Buffer.alloc(0);
        const { ins, data } = command;
        switch (ins) {
            case acr30_commands_1.INS.GET_ACR_STAT:
                return {
                    sw: acr30_commands_1.READER_OK,
                    data: (0, acr30_commands_1.encodeAcrStat)({
                        firmware: FIRMWARE,
                        maxCommandBytes: 0xff,
                        maxResponseBytes: 0xff,
                        supportedCardTypes: (1 << acr30_commands_1.CARD_TYPE.MCU_T0) | (1 << acr30_commands_1.CARD_TYPE.MCU_T1),
                        selectedCardType: this.cardType,
                        cardState: !this.card ? 'absent' : this.powered ? 'powered' : 'present',
                    }),
                };
            case acr30_commands_1.INS.SELECT_CARD_TYPE:
                if (data.length !== 1)
                    return { sw: acr30_commands_1.READER_LENGTH_ERROR, data: none };
                this.cardType = data[0];
                return { sw: acr30_commands_1.READER_OK, data: none };
            case acr30_commands_1.INS.SET_PROTOCOL: {
                if (data.length !== 1 && data.length !== 2)
                    return { sw: acr30_commands_1.READER_LENGTH_ERROR, data: none };
                if (data.length === 1)
                    return { sw: acr30_commands_1.READER_OK, data: none };
                const baud = (0, acr30_commands_1.baudOfCode)(data[1]);
                if (!baud)
                    return { sw: acr30_commands_1.READER_LENGTH_ERROR, data: none };
                // The new speed applies once this reply has left at the old one (§1.1).
                return { sw: acr30_commands_1.READER_OK, data: none, afterReply: () => this.setBaud(baud) };
            }
            case acr30_commands_1.INS.SET_NOTIFICATION:
                if (data.length !== 1 || (data[0] !== acr30_commands_1.NOTIFY_ON && data[0] !== acr30_commands_1.NOTIFY_OFF)) {
                    return { sw: acr30_commands_1.READER_LENGTH_ERROR, data: none };
                }
                this.notify = data[0] === acr30_commands_1.NOTIFY_ON;
                return { sw: acr30_commands_1.READER_OK, data: none };
            case acr30_commands_1.INS.SET_OPTION:
                return data.length === 1 ? { sw: acr30_commands_1.READER_OK, data: none } : { sw: acr30_commands_1.READER_LENGTH_ERROR, data: none };
            case acr30_commands_1.INS.RESET:
                return this.resetCard();
            case acr30_commands_1.INS.POWER_OFF:
                if (this.powered)
                    this.card?.powerOff?.();
                this.powered = false;
                return { sw: acr30_commands_1.READER_OK, data: none };
            case acr30_commands_1.INS.EXCHANGE_APDU:
                return this.exchange(data);
            default:
                return { sw: acr30_commands_1.READER_BAD_INS, data: none };
        }
    }
    resetCard() {
        const card = this.card;
        if (!card)
            return { sw: acr30_commands_1.READER_NO_CARD, data: Buffer.alloc(0) };
        if (this.powered)
            card.reset?.();
        else
            card.powerOn?.();
        this.powered = true;
        // With auto-detection the status tells the protocol (§1.7): TD1's low nibble 1 means T=1.
        const sw = this.cardType === acr30_commands_1.CARD_TYPE.AUTO && offersT1(card.atr) ? 0x9001 : acr30_commands_1.READER_OK;
        return { sw, data: Buffer.from(card.atr) };
    }
    async exchange(data) {
        const none = Buffer.alloc(0);
        const card = this.card;
        if (!card)
            return { sw: acr30_commands_1.READER_NO_CARD, data: none };
        if (!this.powered)
            return { sw: acr30_commands_1.READER_CARD_UNPOWERED, data: none };
        const unwrapped = (0, acr30_commands_1.unwrapFromExchange)(data);
        if (!unwrapped.ok)
            return { sw: acr30_commands_1.READER_LENGTH_ERROR, data: none };
        if (this.cardType === acr30_commands_1.CARD_TYPE.MCU_T0 && unwrapped.lc > 0 && unwrapped.le > 0) {
            return { sw: acr30_commands_1.READER_WRONG_TYPE, data: none };
        }
        if (this.cardProcessingMs > 0)
            await this.sleep(this.cardProcessingMs);
        // Pulled out while the card was working: the reader answers "card not powered up" (§1.6).
        if (this.card !== card || !this.powered)
            return { sw: acr30_commands_1.READER_CARD_UNPOWERED, data: none };
        let response;
        try {
            response = card.process(unwrapped.apdu);
        }
        catch (err) {
            // The card left the slot while working (§1.6): "card not powered up", then the removal message.
            this.emit('card-torn', err);
            this.card = null;
            this.powered = false;
            if (this.notify)
                this.whenIdle(this.unsolicitedFrame(acr30_commands_1.UNSOLICITED.CARD_REMOVED));
            return { sw: acr30_commands_1.READER_CARD_UNPOWERED, data: none };
        }
        this.emit('apdu', unwrapped.apdu, response);
        return { sw: acr30_commands_1.READER_OK, data: response };
    }
}
exports.Acr30Simulator = Acr30Simulator;
/** Whether any TDi interface byte of the ATR names protocol T=1 (ISO/IEC 7816-3 §8.2). */
function offersT1(atr) {
    let i = 1;
    let y = atr[1] >> 4; // presence bits of TA, TB, TC, TD for the current group
    while (i < atr.length && y & 0x8) {
        i += 1 + popcount(y & 0x7);
        if (i >= atr.length)
            return false;
        if ((atr[i] & 0x0f) === 1)
            return true;
        y = atr[i] >> 4;
    }
    return false;
}
function popcount(n) {
    let c = 0;
    for (let x = n; x; x &= x - 1)
        c += 1;
    return c;
}
