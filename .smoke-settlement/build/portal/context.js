"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.DEFAULT_LIMITS = void 0;
exports.DEFAULT_LIMITS = {
    signInPerMinute: 10,
    codeEntryPerMinute: 20,
    // 100,000 records of 48 bytes plus header and trailer: the benchmark's file fits.
    uploadMaxBytes: 8 * 1024 * 1024,
    uploadMaxRecords: 150_000,
    bodyLimitBytes: 16 * 1024,
    recordsPageSize: 50,
};
