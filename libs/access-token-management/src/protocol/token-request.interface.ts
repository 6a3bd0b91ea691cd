/** What to ask the token endpoint for, beyond the client's fixed settings. */
export interface TokenRequest {
  /** Space-separated scopes; the client's default when absent. */
  readonly scope?: string;
  /** RFC 8707 resource indicator; the client's default when absent. */
  readonly resource?: string;
}
