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
exports.VpcdCardConnector = void 0;
// Plugs a virtual card into pcscd's vsmartcard-vpcd driver. vpcd (default mode) listens on TCP; we
// connect as the "vicc". An open connection means "card inserted", closing it means "card removed"
// (background.md §2.3). vpcd always speaks first; we only answer.
const node_events_1 = require("node:events");
const net = __importStar(require("node:net"));
const reader_error_1 = require("../reader/reader-error");
const vpcd_message_1 = require("./vpcd-message");
/** pcsc-lite's MAX_ATR_SIZE. */
const MAX_ATR_BYTES = 33;
class VpcdCardConnector extends node_events_1.EventEmitter {
    options;
    socket = null;
    tear = null;
    host;
    constructor(options) {
        super();
        this.options = options;
        const { card, port } = options;
        if (!Number.isInteger(port) || port <= 0 || port > 0xffff) {
            throw new RangeError(`vpcd port must be an integer 1..65535, got ${port}`);
        }
        if (card.atr.length < 2 || card.atr.length > MAX_ATR_BYTES) {
            throw new RangeError(`A card's ATR must be 2..${MAX_ATR_BYTES} bytes, got ${card.atr.length}`);
        }
        this.host = options.host ?? '127.0.0.1';
    }
    get inserted() {
        return this.socket !== null;
    }
    get card() {
        return this.options.card;
    }
    /** Inserts the card: connects to vpcd. Rejects with `reader_unavailable` when vpcd is not listening. */
    insert() {
        if (this.socket)
            return Promise.resolve();
        this.options.card.insert?.();
        return new Promise((resolve, reject) => {
            const socket = net.connect({ host: this.host, port: this.options.port });
            socket.setNoDelay(true);
            const decoder = new vpcd_message_1.VpcdMessageDecoder();
            const onConnectError = (err) => {
                reject(new reader_error_1.ReaderError('reader_unavailable', `Cannot reach vpcd at ${this.host}:${this.options.port} (${err.message}); ` +
                    'is pcscd running with the vsmartcard-vpcd driver on that port (PURSEFLOW_VPCD_PORT)?', 'not_sent'));
            };
            socket.once('error', onConnectError);
            socket.once('connect', () => {
                socket.off('error', onConnectError);
                this.socket = socket;
                socket.on('data', (chunk) => {
                    for (const body of decoder.push(chunk)) {
                        if (this.socket !== socket)
                            return;
                        this.answer(socket, body);
                    }
                });
                socket.on('error', () => this.drop(socket, 'socket-error'));
                socket.on('close', () => this.drop(socket, 'vpcd-closed'));
                this.emit('inserted');
                resolve();
            });
        });
    }
    /** Removes the card: closes the connection. */
    async remove() {
        const socket = this.socket;
        if (!socket)
            return;
        this.drop(socket, 'removed');
        await new Promise((resolve) => {
            if (socket.closed)
                resolve();
            else
                socket.once('close', () => resolve());
        });
    }
    /** Arms a one-shot tear; see VpcdTear. Replaces any tear armed before. */
    tearOn(tear) {
        this.tear = tear;
    }
    answer(socket, body) {
        const card = this.options.card;
        const request = (0, vpcd_message_1.classifyVpcdRequest)(body);
        switch (request.kind) {
            case 'get-atr':
                socket.write((0, vpcd_message_1.encodeVpcdMessage)(card.atr));
                return;
            case 'power-off':
                card.powerOff?.();
                return;
            case 'power-on':
                card.powerOn?.();
                return;
            case 'reset':
                card.reset?.();
                return;
            case 'unknown-control':
                return;
            case 'apdu':
                this.exchange(socket, request.apdu);
                return;
        }
    }
    exchange(socket, apdu) {
        const tear = this.tear && this.tear.when(apdu) ? this.tear : null;
        if (tear)
            this.tear = null;
        if (tear?.stage === 'before-processing') {
            this.drop(socket, 'torn');
            return;
        }
        let response;
        try {
            response = this.options.card.process(apdu);
        }
        catch (err) {
            this.emit('card-torn', err);
            this.drop(socket, 'torn');
            return;
        }
        if (tear) {
            this.drop(socket, 'torn');
            return;
        }
        this.emit('apdu', apdu, response);
        socket.write((0, vpcd_message_1.encodeVpcdMessage)(response));
    }
    drop(socket, reason) {
        if (this.socket !== socket)
            return;
        this.socket = null;
        socket.destroy();
        this.emit('removed', reason);
    }
}
exports.VpcdCardConnector = VpcdCardConnector;
