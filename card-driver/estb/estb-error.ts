export type EstbErrorCode =
  | 'file_unreadable'
  | 'too_short'
  | 'bad_magic'
  | 'unsupported_version'
  | 'header_padding'
  | 'truncated'
  | 'trailing_bytes'
  | 'record_count_mismatch'
  | 'invalid_record';

/** A settlement file that cannot be read as `.estb` at all: the whole file is refused. */
export class EstbError extends Error {
  constructor(
    readonly code: EstbErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'EstbError';
  }
}
