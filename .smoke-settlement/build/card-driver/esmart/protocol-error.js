"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.EsmartError = void 0;
class EsmartError extends Error {
    code;
    sw;
    constructor(code, message, 
    /** The card's status word when the card refused a command. */
    sw) {
        super(message);
        this.code = code;
        this.sw = sw;
        this.name = 'EsmartError';
    }
}
exports.EsmartError = EsmartError;
