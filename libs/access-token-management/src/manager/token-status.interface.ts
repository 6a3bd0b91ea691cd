/** The state of one client's token, for health checks and dashboards. Never contains the token. */
export interface AccessTokenStatus {
  client: string;
  scope?: string;
  resource?: string;
  /** Expiry of the newest token this process has seen, if any. */
  validUntil?: Date;
  /** Whether a usable token is at hand right now. */
  valid: boolean;
  /** Code of the last failed token request, while the failure streak lasts. */
  lastErrorCode?: string;
  /** Consecutive failed token requests. */
  failures: number;
  /** When the next token request may be made, while backing off. */
  nextAttemptAt?: Date;
}
