// What every scenario's orchestration uses: the clock, logging, turn order, and the config a client gets.
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import process from 'node:process';
import { CLIENT_SECRET } from './servers.mjs';

/** Wall-clock milliseconds with sub-millisecond precision, comparable across processes. */
export const nowMs = () => performance.timeOrigin + performance.now();

/** Progress lines go to stderr; stdout carries the Markdown report. */
export const log = (...parts) => process.stderr.write(`${parts.join(' ')}\n`);

/** The list started at position n: each repetition gives a different client the first turn. */
export const rotate = (list, n) => list.map((_, i) => list[(i + n) % list.length]);

/** The clients that get tokens themselves (the limits use a fixed one). */
export const TOKEN_CLIENTS = ['ours', 'handrolled', 'badgateway', 'openid'];

const SCOPE = 'orders.read';

/** What a client needs to reach the bench servers as `clientId` (which the servers count by). */
export function clientConfig(servers, clientId, extra = {}) {
  return {
    tokenEndpoint: servers.tokenEndpoint,
    issuer: servers.issuer,
    apiBase: servers.apiBase,
    staticToken: servers.staticToken,
    clientId,
    secret: CLIENT_SECRET,
    scope: SCOPE,
    ...extra,
  };
}

/** How a user turns the shared store on: a Redis URL and an encryption key for the tokens at rest. */
export function sharedStoreConfig(cacheUrl) {
  return { cacheUrl, cacheEncryptionKey: randomBytes(32).toString('base64') };
}

/** Why a shared-store variant was not measured. */
export function sharedStoreUnavailable(ctx) {
  if (!ctx.capabilities.sharedStore) return `not available in this build (${ctx.capabilities.reason})`;
  return `not measured: ${ctx.redis?.unavailable ?? 'no Redis'}`;
}
