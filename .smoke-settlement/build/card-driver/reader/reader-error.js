"use strict";
// Every way a reader transport can fail, as a typed value. A caller that moves money decides
// on `code` alone: for a purse command only `not_sent` proves the card never saw it.
Object.defineProperty(exports, "__esModule", { value: true });
exports.ReaderError = void 0;
exports.isReaderError = isReaderError;
const ADVICE = {
    reader_vanished: 'Reconnect the reader (or restart pcscd) and present the card again.',
    card_removed: 'Put the card back and keep it in the reader until the operation completes.',
    no_card: 'Insert a card into the reader and try again.',
    timeout: 'Check the cable and the card; for a purse command re-read the card state before retrying.',
    malformed_response: 'Check the cable and the line speed; re-read the card state before retrying a purse command.',
    reader_refused: 'Check that the card is of the expected type and seated properly.',
    reader_reset: 'The reader restarted; connect again and re-read the card state before retrying.',
    outcome_unknown: 'Do not repeat the command: re-read the card state (balance, log) to learn what happened.',
    unsupported_command: 'Send the command with an exact, non-zero Le.',
    reader_unavailable: 'Check the reader name or serial port path and that the reader service is running.',
    closed: 'Open the reader again; this object has been closed.',
};
class ReaderError extends Error {
    code;
    detail;
    fate;
    status;
    name = 'ReaderError';
    constructor(code, 
    /** What happened, without the advice. */
    detail, 
    /** Whether the failed command may have reached the card; see CommandFate. */
    fate = 'unknown', 
    /** The reader-level or PC/SC status, when the failure carried one (e.g. "6004", "0x80100069"). */
    status) {
        super(`${detail}. ${ADVICE[code]}`);
        this.code = code;
        this.detail = detail;
        this.fate = fate;
        this.status = status;
    }
}
exports.ReaderError = ReaderError;
function isReaderError(err) {
    return err instanceof ReaderError;
}
