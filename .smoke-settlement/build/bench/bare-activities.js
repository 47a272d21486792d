"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.bareActivities = void 0;
/** The empty activity of the bare workflow: all its cost is Temporal's round trips. */
exports.bareActivities = {
    async step() { },
};
