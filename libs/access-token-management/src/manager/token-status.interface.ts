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
  /**
   * A credential file of the client that could not be used when last checked, e.g.
   * `ACCESS_TOKEN_ORDERS_CLIENT_SECRET_FILE names a file that cannot be read (ENOENT)`: the value read before stays in
   * use until the file is readable again. Never the file's content.
   */
  credentialProblem?: string;
}
