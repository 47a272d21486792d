"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.FILE_REJECTION_REASONS = exports.RECORD_REJECTION_REASONS = void 0;
exports.isRecordRejectionReason = isRecordRejectionReason;
/**
 * Why a settlement record (or a whole `.estb` file) is refused. Codes are stable: the portal and the
 * CLI show them, operators search for them. Each comes with what the merchant or operator should do.
 */
exports.RECORD_REJECTION_REASONS = {
    malformed_record: 'The record is not a well-formed purchase (card number, purse or amount is invalid); the terminal wrote a broken record: contact support with the file.',
    unknown_sam: 'The record names a SAM that is not registered; register the SAM for this merchant, then upload a new batch with the record.',
    sam_of_other_merchant: "The record was signed by another merchant's SAM; a merchant can only settle its own SAMs' purchases.",
    sam_mac_invalid: "The SAM's signature (MACS) does not hold: the record was altered after the purchase. It is not paid; contact support if the terminal is yours.",
    card_mac_invalid: "The card's purchase proof (MACP) does not hold: the record was altered or forged. It is not paid.",
    unknown_card: 'The card is not known to the issuer; the purchase cannot be settled. Contact support with the card number.',
    card_blocked: 'The card was blocked before this purchase was settled; it is not paid. Contact support if the purchase predates the block.',
    food_not_accepted: 'A food-voucher purchase from a merchant that may not take food vouchers; ask the operator to make the merchant food-voucher eligible.',
    duplicate_in_file: 'The same purchase (card and ATC, or SAM and sequence) appears earlier in this file; it is paid once.',
    already_settled: 'This purchase (card and ATC) was settled before in another batch; it is never paid twice.',
    sam_sequence_replayed: 'This SAM sequence number was settled before in another batch: the record is a replay and is not paid.',
    card_overspent: 'The card would have spent more than was ever loaded onto it; the card is flagged for an operator and the record is held back.',
};
exports.FILE_REJECTION_REASONS = {
    file_unreadable: 'The uploaded file could not be read from the upload store; upload it again.',
    file_changed: 'The stored file no longer matches the uploaded one (its SHA-256 differs); upload it again.',
    not_an_estb_file: 'The file is not an .estb settlement file (bad magic or version); export the batch again from the Transfer card.',
    truncated: 'The file is shorter or longer than its header says (truncated or padded); export the batch again and upload the whole file.',
    file_mac_invalid: "The file's MAC under the Transfer card key does not hold: it was altered. Nothing in it is paid; export it again from the Transfer card.",
    unknown_transfer_card: 'The Transfer card of this file is not registered; ask the operator to register it for your merchant.',
    transfer_card_of_other_merchant: 'The Transfer card of this file belongs to another merchant; upload it from the merchant that owns the card.',
    unknown_merchant: 'The merchant uploading the file is not registered; enrol it first (purseflow merchants enrol).',
    batch_seq_reused: 'Another file with this Transfer card and batch number was settled before; a Transfer card numbers each export once. Contact support with both files.',
};
function isRecordRejectionReason(value) {
    return typeof value === 'string' && Object.prototype.hasOwnProperty.call(exports.RECORD_REJECTION_REASONS, value);
}
