"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.WorkflowRefusal = void 0;
/** A refusal from a workflow's update validator or handler: shown to the person as it is. */
class WorkflowRefusal extends Error {
    code;
    name = 'WorkflowRefusal';
    constructor(code, message) {
        super(message);
        this.code = code;
    }
}
exports.WorkflowRefusal = WorkflowRefusal;
