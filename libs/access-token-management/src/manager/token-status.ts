import type { ResolvedClientOptions } from '../config/resolved-options.interface.js';
import type { TokenKeyState } from './token-key-state.js';
import type { AccessTokenStatus } from './token-status.interface.js';

/** What a health check shows: every key this process asked for, then every configured client not asked for yet. */
export function tokenStatuses(
  states: Iterable<TokenKeyState>,
  clients: Iterable<ResolvedClientOptions>,
  now: number,
  credentialProblem: (clientName: string) => string | undefined = () => undefined,
): AccessTokenStatus[] {
  const seen = new Set<string>();
  const statuses: AccessTokenStatus[] = [];
  for (const state of states) {
    seen.add(state.client.name);
    statuses.push({
      client: state.client.name,
      scope: state.request.scope,
      resource: state.request.resource,
      validUntil: state.validUntil === undefined ? undefined : new Date(state.validUntil),
      valid: state.validUntil !== undefined && now < state.validUntil,
      lastErrorCode: state.lastError?.code,
      failures: state.failures,
      nextAttemptAt: state.backingOff(now) ? new Date(state.retryAt) : undefined,
      ...problemOf(state.client.name, credentialProblem),
    });
  }
  for (const client of clients) {
    if (seen.has(client.name)) continue;
    statuses.push({
      client: client.name,
      valid: false,
      failures: 0,
      ...problemOf(client.name, credentialProblem),
    });
  }
  return statuses;
}

function problemOf(
  clientName: string,
  credentialProblem: (clientName: string) => string | undefined,
): { credentialProblem?: string } {
  const problem = credentialProblem(clientName);
  return problem === undefined ? {} : { credentialProblem: problem };
}
