"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.EstbError = void 0;
/** A settlement file that cannot be read as `.estb` at all: the whole file is refused. */
class EstbError extends Error {
    code;
    constructor(code, message) {
        super(message);
        this.code = code;
        this.name = 'EstbError';
    }
}
exports.EstbError = EstbError;
