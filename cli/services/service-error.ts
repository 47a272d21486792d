export type ServiceErrorCode =
  | 'port_taken'
  | 'not_ready'
  | 'missing_package'
  | 'build_failed'
  | 'data_dir_incompatible'
  | 'start_failed'
  | 'external_unreachable';

/** A service that could not be brought up; the message names the service, the fix and, where there is one, the log. */
export class ServiceError extends Error {
  constructor(
    readonly code: ServiceErrorCode,
    readonly service: string,
    message: string,
  ) {
    super(`${service}: ${message}`);
    this.name = 'ServiceError';
  }
}
