"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.bareWorkflow = bareWorkflow;
// The bare workflow of the production benchmark: three empty activities, the floor a download is
// measured against (issue 8). Workflow code: imports @temporalio/workflow only.
const workflow_1 = require("@temporalio/workflow");
const { step } = (0, workflow_1.proxyActivities)({ startToCloseTimeout: '10 seconds' });
async function bareWorkflow() {
    await step();
    await step();
    await step();
}
