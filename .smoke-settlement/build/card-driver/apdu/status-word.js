"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.SW = void 0;
exports.statusOf = statusOf;
exports.formatSw = formatSw;
const EXACT = {
    0x9000: ['success', 'success'],
    0x6282: ['end_of_file', 'end of file reached before Ne bytes'],
    0x6400: ['execution_error', 'execution error'],
    0x6581: ['memory_failure', 'memory failure'],
    0x6700: ['wrong_length', 'wrong length'],
    0x6881: ['logical_channel_not_supported', 'logical channel not supported'],
    0x6882: ['secure_messaging_not_supported', 'secure messaging not supported'],
    0x6883: ['last_command_expected', 'last command of the chain expected'],
    0x6884: ['chaining_not_supported', 'command chaining not supported'],
    0x6982: ['security_status', 'wrong MAC or authorization code (security status not satisfied)'],
    0x6983: ['auth_blocked', 'authentication method blocked'],
    0x6984: ['reference_data_unusable', 'reference data not usable'],
    0x6985: ['conditions_not_satisfied', 'conditions of use not satisfied (no pending load, not selected, counter exhausted)'],
    0x6986: ['command_not_allowed', 'command not allowed'],
    0x6987: ['sm_objects_missing', 'secure messaging data objects missing'],
    0x6988: ['sm_objects_incorrect', 'secure messaging data objects incorrect'],
    0x6a80: ['wrong_data', 'wrong data (amount 0, bad field)'],
    0x6a81: ['function_not_supported', 'function not supported'],
    0x6a82: ['not_found', 'file or application not found'],
    0x6a83: ['record_not_found', 'record not found'],
    0x6a84: ['not_enough_memory', 'not enough memory'],
    0x6a86: ['wrong_p1p2', 'wrong P1/P2 (unknown purse)'],
    0x6a88: ['reference_not_found', 'referenced data not found'],
    0x6b00: ['wrong_p1p2_offset', 'wrong P1/P2 (offset outside the file)'],
    0x6d00: ['ins_not_supported', 'unknown instruction'],
    0x6e00: ['cla_not_supported', 'unknown class'],
    0x6f00: ['no_diagnosis', 'no precise diagnosis'],
    0x9401: ['balance_too_low', 'balance too low'],
    0x9402: ['maxbal_exceeded', 'load would exceed the maximum balance'],
};
exports.SW = {
    SUCCESS: 0x9000,
    WRONG_LENGTH: 0x6700,
    WRONG_DATA: 0x6a80,
    RECORD_NOT_FOUND: 0x6a83,
    NOT_FOUND: 0x6a82,
    WRONG_P1P2: 0x6a86,
    SECURITY_STATUS: 0x6982,
    CONDITIONS_NOT_SATISFIED: 0x6985,
    INS_NOT_SUPPORTED: 0x6d00,
    CLA_NOT_SUPPORTED: 0x6e00,
    NO_DIAGNOSIS: 0x6f00,
    BALANCE_TOO_LOW: 0x9401,
    MAXBAL_EXCEEDED: 0x9402,
};
function statusOf(sw) {
    if (!Number.isInteger(sw) || sw < 0 || sw > 0xffff)
        return { sw, code: 'unknown', meaning: 'not a status word' };
    const exact = EXACT[sw];
    if (exact)
        return { sw, code: exact[0], meaning: exact[1] };
    const sw1 = sw >> 8;
    const sw2 = sw & 0xff;
    if (sw1 === 0x61)
        return { sw, code: 'more_data', meaning: 'more response bytes waiting (GET RESPONSE)', value: sw2 === 0 ? 256 : sw2 };
    if (sw1 === 0x6c)
        return { sw, code: 'wrong_le', meaning: 'wrong Le; resend with the exact length', value: sw2 === 0 ? 256 : sw2 };
    if (sw1 === 0x63 && (sw2 & 0xf0) === 0xc0)
        return { sw, code: 'counter', meaning: 'warning with counter', value: sw2 & 0x0f };
    if (sw1 === 0x62)
        return { sw, code: 'warning_unchanged', meaning: 'warning, memory unchanged' };
    if (sw1 === 0x63)
        return { sw, code: 'warning_changed', meaning: 'warning, memory changed' };
    return { sw, code: 'unknown', meaning: 'unknown status word' };
}
function formatSw(sw) {
    return sw.toString(16).toUpperCase().padStart(4, '0');
}
