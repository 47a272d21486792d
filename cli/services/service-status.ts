export interface ServiceStatus {
  readonly name: string;
  /** `started` by this call, already `running`, `stopped`, or `external` (an address given by the environment). */
  readonly state: 'started' | 'running' | 'stopped' | 'external';
  readonly detail?: string;
}
