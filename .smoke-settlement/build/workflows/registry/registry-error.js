"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.RegistryError = void 0;
class RegistryError extends Error {
    code;
    name = 'RegistryError';
    constructor(code, message) {
        super(message);
        this.code = code;
    }
}
exports.RegistryError = RegistryError;
