"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.registerCardCommands = registerCardCommands;
function registerCardCommands(program) {
    void program;
}
