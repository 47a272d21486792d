"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.ServiceError = void 0;
/** A service that could not be brought up; the message names the service, the fix and, where there is one, the log. */
class ServiceError extends Error {
    code;
    service;
    constructor(code, service, message) {
        super(`${service}: ${message}`);
        this.code = code;
        this.service = service;
        this.name = 'ServiceError';
    }
}
exports.ServiceError = ServiceError;
