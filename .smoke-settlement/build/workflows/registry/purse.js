"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.PURSE_NAMES = void 0;
exports.isPurseName = isPurseName;
// The two purses of a card (spec §1) by the names people and the CLI use.
exports.PURSE_NAMES = ['ecash', 'food'];
function isPurseName(value) {
    return value === 'ecash' || value === 'food';
}
