"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.INITIALIZE_LOAD_RESPONSE_BYTES = exports.SELECT_RESPONSE_BYTES = exports.P1_MODE = exports.INS = exports.CLA_ESMART = exports.CLA_ISO = void 0;
exports.selectCommand = selectCommand;
exports.getBalanceCommand = getBalanceCommand;
exports.initializeLoadCommand = initializeLoadCommand;
exports.creditLoadCommand = creditLoadCommand;
exports.debitCommand = debitCommand;
exports.readLogCommand = readLogCommand;
exports.successData = successData;
exports.parseSelectData = parseSelectData;
exports.parseBalanceData = parseBalanceData;
exports.parseInitializeLoadData = parseInitializeLoadData;
exports.parseCreditLoadData = parseCreditLoadData;
exports.parseDebitData = parseDebitData;
exports.parseLogData = parseLogData;
// The e-Smart commands of spec §4 as pure builders (→ command APDU bytes) and parsers (response
// data → typed values). The session driver and the simulated pocket and POS all use these.
const command_apdu_1 = require("../apdu/command-apdu");
const response_apdu_1 = require("../apdu/response-apdu");
const status_word_1 = require("../apdu/status-word");
const identity_1 = require("./identity");
const log_record_1 = require("./log-record");
const protocol_error_1 = require("./protocol-error");
const transaction_macs_1 = require("./transaction-macs");
exports.CLA_ISO = 0x00;
exports.CLA_ESMART = 0x80;
exports.INS = {
    select: 0xa4,
    getBalance: 0x5c,
    initializeLoad: 0x50,
    creditLoad: 0x52,
    debit: 0x56,
    readLog: 0xb2,
};
exports.P1_MODE = { online: 0x00, offline: 0x01 };
exports.SELECT_RESPONSE_BYTES = 15;
exports.INITIALIZE_LOAD_RESPONSE_BYTES = 18;
function selectCommand() {
    return (0, command_apdu_1.encodeCommand)({ cla: exports.CLA_ISO, ins: exports.INS.select, p1: 0x04, p2: 0x00, data: identity_1.AID, ne: exports.SELECT_RESPONSE_BYTES });
}
function getBalanceCommand(purse) {
    return (0, command_apdu_1.encodeCommand)({ cla: exports.CLA_ESMART, ins: exports.INS.getBalance, p1: 0x00, p2: (0, identity_1.purseId)(purse), data: Buffer.alloc(0), ne: 4 });
}
function initializeLoadCommand(p) {
    (0, identity_1.assertTransactionAmount)(p.amount);
    if (p.rh.length !== transaction_macs_1.RANDOM_BYTES)
        throw new protocol_error_1.EsmartError('invalid_field', 'RH is 8 bytes.');
    return (0, command_apdu_1.encodeCommand)({
        cla: exports.CLA_ESMART,
        ins: exports.INS.initializeLoad,
        p1: exports.P1_MODE[p.mode],
        p2: (0, identity_1.purseId)(p.purse),
        data: Buffer.concat([(0, identity_1.amountBytes)(p.amount), p.rh]),
        ne: exports.INITIALIZE_LOAD_RESPONSE_BYTES,
    });
}
/** `auth` is MAC2 online, or the 8 authorization digits as a 4-byte integer offline. */
function creditLoadCommand(p) {
    (0, identity_1.assertTransactionAmount)(p.amount);
    if (p.auth.length !== 4)
        throw new protocol_error_1.EsmartError('invalid_field', 'The CREDIT LOAD authorization is 4 bytes.');
    return (0, command_apdu_1.encodeCommand)({
        cla: exports.CLA_ESMART,
        ins: exports.INS.creditLoad,
        p1: exports.P1_MODE[p.mode],
        p2: (0, identity_1.purseId)(p.purse),
        data: Buffer.concat([(0, identity_1.amountBytes)(p.amount), p.auth]),
        ne: 8,
    });
}
function debitCommand(p) {
    (0, identity_1.assertTransactionAmount)(p.amount);
    if (!Number.isInteger(p.samSeq) || p.samSeq < 0 || p.samSeq > 0xffffffff)
        throw new protocol_error_1.EsmartError('invalid_field', 'A SAM sequence number is 0..2^32-1.');
    return (0, command_apdu_1.encodeCommand)({
        cla: exports.CLA_ESMART,
        ins: exports.INS.debit,
        p1: 0x00,
        p2: (0, identity_1.purseId)(p.purse),
        data: Buffer.concat([(0, identity_1.amountBytes)(p.amount), (0, identity_1.hexIdToBytes)(p.samId), (0, identity_1.u32)(p.samSeq)]),
        ne: 8,
    });
}
/** READ LOG record n, 1 = newest. */
function readLogCommand(n) {
    if (!Number.isInteger(n) || n < 1 || n > 0xff)
        throw new protocol_error_1.EsmartError('invalid_field', `A log record number is 1..255; got ${n}.`);
    return (0, command_apdu_1.encodeCommand)({ cla: exports.CLA_ESMART, ins: exports.INS.readLog, p1: n, p2: 0x00, data: Buffer.alloc(0), ne: log_record_1.LOG_RECORD_BYTES });
}
/** The response's data when the card answered 9000; otherwise a `card_refused` error carrying the SW. */
function successData(response, command) {
    let r;
    try {
        r = (0, response_apdu_1.parseResponse)(response);
    }
    catch {
        throw new protocol_error_1.EsmartError('malformed_response', `The card's answer to ${command} is not a response APDU (${response.length} bytes); check the reader and the card.`);
    }
    if (r.sw !== status_word_1.SW.SUCCESS) {
        throw new protocol_error_1.EsmartError('card_refused', `The card refused ${command}: ${(0, status_word_1.formatSw)(r.sw)} ${r.status.meaning}.`, r.sw);
    }
    return r.data;
}
function expectLength(data, length, command) {
    if (data.length !== length) {
        throw new protocol_error_1.EsmartError('malformed_response', `${command} answers ${length} data bytes; the card sent ${data.length}.`);
    }
}
function parseSelectData(data) {
    expectLength(data, exports.SELECT_RESPONSE_BYTES, 'SELECT');
    let csn;
    try {
        csn = (0, identity_1.csnFromBytes)(data.subarray(0, 8));
    }
    catch {
        throw new protocol_error_1.EsmartError('malformed_response', 'The card answered SELECT with a CSN that is not 16 digits with a valid check digit.');
    }
    const currency = data.subarray(9, 11).toString('hex');
    if (!/^[0-9]{4}$/.test(currency))
        throw new protocol_error_1.EsmartError('malformed_response', 'The card answered SELECT with a currency that is not BCD.');
    return { csn, version: data[8], currency, maxBalance: BigInt(data.readUInt32BE(11)) };
}
function parseBalanceData(data) {
    expectLength(data, 4, 'GET BALANCE');
    return BigInt(data.readUInt32BE(0));
}
function parseInitializeLoadData(data) {
    expectLength(data, exports.INITIALIZE_LOAD_RESPONSE_BYTES, 'INITIALIZE LOAD');
    return {
        atc: data.readUInt16BE(0),
        balance: BigInt(data.readUInt32BE(2)),
        rc: Buffer.from(data.subarray(6, 14)),
        mac1: Buffer.from(data.subarray(14, 18)),
    };
}
function parseCreditLoadData(data) {
    expectLength(data, 8, 'CREDIT LOAD');
    return { newBalance: BigInt(data.readUInt32BE(0)), mac3: Buffer.from(data.subarray(4, 8)) };
}
function parseDebitData(data) {
    expectLength(data, 8, 'DEBIT');
    return { newBalance: BigInt(data.readUInt32BE(0)), macp: Buffer.from(data.subarray(4, 8)) };
}
function parseLogData(data) {
    return (0, log_record_1.decodeLogRecord)(data);
}
