import { readFile } from 'node:fs/promises';
import type * as oauth from 'oauth4webapi';
import type { ClientAssertionSource } from '../config/client-authentication.validation.js';
import { fileErrorCode } from '../config/credential-files.js';
import { AccessTokenError, AccessTokenErrorCode } from '../errors.js';
import { loadJose } from './jose-module.js';

/** RFC 7523 §2.2: the assertion is a JWT used for client authentication. */
export const JWT_BEARER_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/**
 * Client authentication with an assertion the platform issues (a Kubernetes projected service-account token, a SPIFFE
 * JWT-SVID, a cloud workload identity token), sent as it is: read from its file or function for every token request,
 * since the platform rewrites it before it expires. An unreadable, malformed or expired one is refused before anything
 * is sent (`ERR_CLIENT_ASSERTION_INVALID`, naming the setting, never the content).
 */
export function platformAssertionAuthentication(
  source: ClientAssertionSource,
  clientName: string,
  now: () => number = Date.now,
): oauth.ClientAuth {
  return async (_as, client, body) => {
    const assertion = await readAssertion(source, clientName, now);
    body.set('client_id', client.client_id);
    body.set('client_assertion_type', JWT_BEARER_ASSERTION_TYPE);
    body.set('client_assertion', assertion);
  };
}

async function readAssertion(
  source: ClientAssertionSource,
  clientName: string,
  now: () => number,
): Promise<string> {
  let text: unknown;
  try {
    text = 'file' in source ? await readFile(source.file, 'utf8') : await source.get();
  } catch (error) {
    const code = fileErrorCode(error);
    throw invalid(source, clientName, `could not be read${code ? ` (${code})` : ''}`, error);
  }
  if (typeof text !== 'string') throw invalid(source, clientName, 'gave no string');
  const assertion = text.trim();
  const { decodeJwt } = await loadJose();
  let exp: number | undefined;
  try {
    exp = decodeJwt(assertion).exp;
  } catch {
    throw invalid(source, clientName, 'gave no JWT');
  }
  if (exp !== undefined && exp * 1000 <= now()) {
    throw invalid(source, clientName, `gave a JWT that expired at ${new Date(exp * 1000).toISOString()}`);
  }
  return assertion;
}

function invalid(
  source: ClientAssertionSource,
  clientName: string,
  problem: string,
  cause?: unknown,
): AccessTokenError {
  return new AccessTokenError(
    AccessTokenErrorCode.ClientAssertionInvalid,
    `The client assertion of client '${clientName}' (${source.setting}) ${problem}; nothing was sent`,
    clientName,
    cause === undefined ? undefined : { cause },
  );
}
