#!/usr/bin/env node
"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.buildProgram = buildProgram;
// The `purseflow` command: the composition root. It may import every part's public face;
// no part imports it.
const commander_1 = require("commander");
const services_1 = require("./commands/services");
const ledger_1 = require("./commands/ledger");
const card_1 = require("./commands/card");
const sim_1 = require("./commands/sim");
const failure_1 = require("./failure");
function buildProgram() {
    const program = new commander_1.Command('purseflow')
        .description('purseflow: e-Smart card loads and merchant settlements on a two-phase ledger')
        .showHelpAfterError()
        .exitOverride();
    (0, services_1.registerServicesCommands)(program);
    (0, ledger_1.registerLedgerCommands)(program);
    (0, card_1.registerCardCommands)(program);
    (0, sim_1.registerSimCommands)(program);
    return program;
}
async function main(argv) {
    try {
        await buildProgram().parseAsync(argv);
    }
    catch (err) {
        if (err instanceof commander_1.CommanderError) {
            process.exitCode = err.exitCode;
            return;
        }
        process.stderr.write(`purseflow: ${(0, failure_1.describeFailure)(err)}\n`);
        process.exitCode = 1;
    }
}
if (require.main === module)
    void main(process.argv);
