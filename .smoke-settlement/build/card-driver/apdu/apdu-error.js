"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.ApduError = void 0;
/** A command or response that does not follow ISO 7816-4 short-length encoding. */
class ApduError extends Error {
    code;
    constructor(code, message) {
        super(message);
        this.code = code;
        this.name = 'ApduError';
    }
}
exports.ApduError = ApduError;
