// Every way a reader transport can fail, as a typed value. A caller that moves money decides
// on `code` alone: for a purse command only `not_sent` proves the card never saw it.

export type ReaderErrorCode =
  /** The reader disappeared (unplugged, pcscd stopped, serial line closed). */
  | 'reader_vanished'
  /** The card left the reader while connected, or during a command. */
  | 'card_removed'
  /** connect() found no card in the reader. */
  | 'no_card'
  /** The reader or card did not answer in time. */
  | 'timeout'
  /** The answer could not be decoded (bad framing, checksum, too short). */
  | 'malformed_response'
  /** The reader refused a command with a reader-level status (ACR30 60xx/67xx, PC/SC error). */
  | 'reader_refused'
  /** The reader reset itself while a command was outstanding: its outcome is unknown. */
  | 'reader_reset'
  /** A command reached the reader but no trustworthy answer came back: re-read the card state. */
  | 'outcome_unknown'
  /** The command could not be expressed through this transport (e.g. ISO Le 00 over the ACR30). */
  | 'unsupported_command'
  /** The reader, service or port could not be reached or opened. */
  | 'reader_unavailable'
  /** The connection or reader object was already closed by its owner. */
  | 'closed';

const ADVICE: Record<ReaderErrorCode, string> = {
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

/** Whether the card can be certain not to have received the command that failed. */
export type CommandFate = 'not_sent' | 'unknown';

export class ReaderError extends Error {
  override readonly name = 'ReaderError';

  constructor(
    readonly code: ReaderErrorCode,
    /** What happened, without the advice. */
    readonly detail: string,
    /** Whether the failed command may have reached the card; see CommandFate. */
    readonly fate: CommandFate = 'unknown',
    /** The reader-level or PC/SC status, when the failure carried one (e.g. "6004", "0x80100069"). */
    readonly status?: string,
  ) {
    super(`${detail}. ${ADVICE[code]}`);
  }
}

export function isReaderError(err: unknown): err is ReaderError {
  return err instanceof ReaderError;
}
