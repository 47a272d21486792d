"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.quietTemporalRuntime = quietTemporalRuntime;
exports.temporalAddress = temporalAddress;
const worker_1 = require("@temporalio/worker");
let installed = false;
/** Workers in tests log warnings and errors only; the SDK allows one Runtime per process. */
function quietTemporalRuntime() {
    if (installed)
        return;
    installed = true;
    try {
        worker_1.Runtime.install({ logger: new worker_1.DefaultLogger('WARN') });
    }
    catch {
        // Already installed by an earlier test file in this Jest worker process.
    }
}
function temporalAddress() {
    const address = process.env.TEMPORAL_ADDRESS;
    if (!address)
        throw new Error('TEMPORAL_ADDRESS is not set: run the tests through `npm test` or `npx purseflow services up`.');
    return address;
}
