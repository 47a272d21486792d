"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.isLedgerId = isLedgerId;
/**
 * Ids are client-chosen UUIDs (any version; UUIDv7 or a name-based UUIDv5 derived from a workflow
 * id and step are recommended). 128 bits like TigerBeetle's ids, stored as PostgreSQL `uuid`
 * (16 bytes), and derivable deterministically by callers that retry.
 */
const UUID_TEXT = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const NIL_UUID = '00000000-0000-0000-0000-000000000000';
/** True for a lower-case canonical UUID other than the nil UUID (TigerBeetle's id 0 is reserved too). */
function isLedgerId(value) {
    return typeof value === 'string' && UUID_TEXT.test(value) && value !== NIL_UUID;
}
