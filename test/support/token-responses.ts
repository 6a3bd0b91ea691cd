import { randomBytes } from 'node:crypto';
import { sendJson, type ScriptedHandler } from './scripted-server.js';

/** A fresh random token value, so tests can tell tokens apart. */
export function newTokenValue(): string {
  return `tok_${randomBytes(18).toString('base64url')}`;
}

/**
 * A token endpoint that issues a new Bearer token on every request. `fields` adds or overrides response members
 * (`expires_in: undefined` removes it).
 */
export function issueTokens(fields: Record<string, unknown> = {}, delayMs = 0): ScriptedHandler {
  return async (request, response) => {
    if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
    const scope = new URLSearchParams(request.body).get('scope') ?? undefined;
    const body = { access_token: newTokenValue(), token_type: 'Bearer', expires_in: 300, scope, ...fields };
    sendJson(200, body, { 'cache-control': 'no-store' })(request, response);
  };
}
