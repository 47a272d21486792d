"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.describeFailure = describeFailure;
/** What the operator sees when a command fails: the typed code and the advice, never a stack by default. */
function describeFailure(err) {
    if (err && typeof err === 'object' && 'code' in err && 'message' in err) {
        const e = err;
        return `[${String(e.code)}] ${String(e.message)}`;
    }
    if (err instanceof Error)
        return err.message;
    return String(err);
}
