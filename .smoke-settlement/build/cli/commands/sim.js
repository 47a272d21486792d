"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.registerSimCommands = registerSimCommands;
const sim_offline_1 = require("./sim-offline");
function registerSimCommands(program) {
    const sim = program.command('sim').description('simulators: the e-Smart card, the readers, the eCom Pocket and the merchant side');
    (0, sim_offline_1.registerSimOfflineCommands)(sim);
}
