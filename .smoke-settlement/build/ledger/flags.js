"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.hasFlag = exports.unknownTransferFlags = exports.unknownAccountFlags = exports.decodeTransferFlags = exports.encodeTransferFlags = exports.decodeAccountFlags = exports.encodeAccountFlags = exports.TRANSFER_FLAG_BITS = exports.ACCOUNT_FLAG_BITS = void 0;
/**
 * Flags as TigerBeetle numbers them, so that a stored row reads the same as a TigerBeetle object.
 * The API speaks in named booleans; the database stores one integer.
 */
exports.ACCOUNT_FLAG_BITS = {
    linked: 1,
    debitsMustNotExceedCredits: 2,
    creditsMustNotExceedDebits: 4,
    history: 8,
    closed: 32,
};
exports.TRANSFER_FLAG_BITS = {
    linked: 1,
    pending: 2,
    postPendingTransfer: 4,
    voidPendingTransfer: 8,
    balancingDebit: 16,
    balancingCredit: 32,
    closingDebit: 64,
    closingCredit: 128,
};
function encode(bits, flags) {
    let value = 0;
    if (!flags)
        return value;
    for (const name of Object.keys(bits))
        if (flags[name])
            value |= bits[name];
    return value;
}
function decode(bits, value) {
    const flags = {};
    for (const name of Object.keys(bits))
        flags[name] = (value & bits[name]) !== 0;
    return flags;
}
/** Names that a caller passed but that are not flags: reported instead of silently ignored. */
function unknownNames(bits, flags) {
    if (!flags)
        return [];
    return Object.keys(flags).filter((name) => !(name in bits));
}
const encodeAccountFlags = (flags) => encode(exports.ACCOUNT_FLAG_BITS, flags);
exports.encodeAccountFlags = encodeAccountFlags;
const decodeAccountFlags = (value) => decode(exports.ACCOUNT_FLAG_BITS, value);
exports.decodeAccountFlags = decodeAccountFlags;
const encodeTransferFlags = (flags) => encode(exports.TRANSFER_FLAG_BITS, flags);
exports.encodeTransferFlags = encodeTransferFlags;
const decodeTransferFlags = (value) => decode(exports.TRANSFER_FLAG_BITS, value);
exports.decodeTransferFlags = decodeTransferFlags;
const unknownAccountFlags = (flags) => unknownNames(exports.ACCOUNT_FLAG_BITS, flags);
exports.unknownAccountFlags = unknownAccountFlags;
const unknownTransferFlags = (flags) => unknownNames(exports.TRANSFER_FLAG_BITS, flags);
exports.unknownTransferFlags = unknownTransferFlags;
const hasFlag = (value, bit) => (value & bit) !== 0;
exports.hasFlag = hasFlag;
