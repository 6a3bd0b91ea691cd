import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import {
  AccessTokenError,
  AccessTokenManager,
  type AccessTokenOptions,
} from 'nestjs-access-token-management';
import { startScriptedServer, type ScriptedServer } from '../support/scripted-server.js';
import { issueTokens, newTokenValue } from '../support/token-responses.js';
import { createTestPki } from '../support/test-pki.js';

const ONE_YEAR_MS = 365 * 24 * 3600 * 1000;
const MIB = 1024 * 1024;

/** What the server managed to hand to the socket for one response, and whether the client let go of the socket. */
interface BodyTally {
  bytesWritten: number;
  completed: boolean;
  socketClosed: Promise<void>;
}

/**
 * Answers with the JSON object `fields()` padded to `size` bytes, written in 64 KiB chunks with backpressure, so the
 * tally shows how much of it the server got rid of before the client let go. `announce` sends a Content-Length.
 */
function paddedJson(
  fields: () => Record<string, unknown>,
  size: number,
  announce: boolean,
  tallies: BodyTally[],
) {
  return async (_request: unknown, response: ServerResponse) => {
    const head = `${JSON.stringify(fields()).slice(0, -1)},"pad":"`;
    const tail = '"}';
    const body = Buffer.alloc(size, 'x');
    body.write(head, 0);
    body.write(tail, size - tail.length);
    const socket = response.socket as Socket;
    const tally: BodyTally = {
      bytesWritten: 0,
      completed: false,
      socketClosed: new Promise((resolve) => socket.once('close', () => resolve())),
    };
    tallies.push(tally);
    response.writeHead(200, {
      'content-type': 'application/json',
      ...(announce ? { 'content-length': String(size) } : {}),
    });
    for (let offset = 0; offset < size && !socket.destroyed; offset += 64 * 1024) {
      const chunk = body.subarray(offset, offset + 64 * 1024);
      const flushed = response.write(chunk);
      tally.bytesWritten += chunk.length;
      if (!flushed) {
        await new Promise<void>((resolve) => {
          response.once('drain', resolve);
          socket.once('close', resolve);
        });
      }
    }
    if (!socket.destroyed) {
      response.end();
      tally.completed = true;
    }
  };
}

const tokenResponse = () => ({ access_token: newTokenValue(), token_type: 'Bearer', expires_in: 300 });

describe('token responses the library refuses or bounds', () => {
  let endpoint: ScriptedServer;
  let clock: number;
  const now = () => clock;
  const managers: AccessTokenManager[] = [];
  const afterCleanup: Array<() => Promise<void>> = [];

  beforeAll(async () => {
    endpoint = await startScriptedServer();
  });
  afterAll(() => endpoint.close());
  afterEach(async () => {
    await Promise.all(managers.splice(0).map((m) => m.close()));
    await Promise.all(afterCleanup.splice(0).map((cleanup) => cleanup()));
    endpoint.requests.length = 0;
  });

  function manager(
    client: Partial<AccessTokenOptions['clients'][string]> = {},
    options: Partial<AccessTokenOptions> = {},
  ): AccessTokenManager {
    clock = Date.parse('2026-01-01T00:00:00Z');
    const created = new AccessTokenManager(
      {
        clients: {
          orders: {
            tokenEndpoint: `${endpoint.url}/token`,
            clientId: 'orders-caller',
            clientSecret: 'orders-secret',
            ...client,
          },
        },
        ...options,
      },
      { now },
    );
    managers.push(created);
    return created;
  }

  /** Asserts the failure is typed, repeats within the backoff without a request, and recovers after it. */
  async function expectFailureWithBackoff(
    tokens: AccessTokenManager,
    code: string,
  ): Promise<AccessTokenError> {
    const error = (await tokens
      .getAccessToken('orders')
      .catch((caught: unknown) => caught)) as AccessTokenError;
    expect(error).toBeInstanceOf(AccessTokenError);
    expect(error).toMatchObject({ code, clientName: 'orders' });
    for (let call = 0; call < 10; call++) await expect(tokens.getAccessToken('orders')).rejects.toBe(error);
    expect(endpoint.requests).toHaveLength(1);
    clock += 10_001;
    endpoint.handle(issueTokens());
    await expect(tokens.getAccessToken('orders')).resolves.toMatchObject({ type: 'Bearer' });
    expect(endpoint.requests).toHaveLength(2);
    return error;
  }

  describe('expires_in', () => {
    // Background refresh is off: these tests pin the lifetime the protocol layer reports, not the renewal timer.
    it.each([
      ['1e300', 1e300],
      ['1e300 as a string', '1e300'],
      ['ten years', 10 * 365 * 24 * 3600],
    ])('caps an expires_in of %s at one year: one token request for 20 calls', async (_label, expiresIn) => {
      const tokens = manager({}, { refreshAhead: false });
      endpoint.handle(issueTokens({ expires_in: expiresIn }));
      const results = [];
      for (let call = 0; call < 20; call++) results.push(await tokens.getAccessToken('orders'));
      expect(endpoint.requests).toHaveLength(1);
      expect(new Set(results.map((token) => token.value)).size).toBe(1);
      expect(results[0]?.expiresAt.getTime()).toBe(clock + ONE_YEAR_MS);
    });

    it('keeps a one-year token for its year: one token request, renewed 60 s before it expires', async () => {
      const tokens = manager({}, { refreshAhead: false });
      endpoint.handle(issueTokens({ expires_in: 365 * 24 * 3600 }));
      const first = await tokens.getAccessToken('orders');
      expect(first.expiresAt.getTime()).toBe(clock + ONE_YEAR_MS);
      clock += ONE_YEAR_MS - 61_000;
      expect((await tokens.getAccessToken('orders')).value).toBe(first.value);
      expect(endpoint.requests).toHaveLength(1);
      clock += 2_000;
      expect((await tokens.getAccessToken('orders')).value).not.toBe(first.value);
      expect(endpoint.requests).toHaveLength(2);
    });

    it.each([
      ['a word', 'soon'],
      ['negative', -5],
      ['null', null],
      ['an object', { seconds: 60 }],
    ])('refuses an expires_in that is %s: a typed error with backoff', async (_label, expiresIn) => {
      const tokens = manager();
      endpoint.handle(issueTokens({ expires_in: expiresIn }));
      await expectFailureWithBackoff(tokens, 'ERR_TOKEN_RESPONSE_INVALID');
    });
  });

  describe('access_token characters (RFC 6750 §2.1 b64token)', () => {
    const SENTINEL = 'sentinelTokenValue';
    it.each([
      ['CR LF (header injection)', `${SENTINEL}\r\nX-Injected: 1`],
      ['a bare LF', `${SENTINEL}\nmore`],
      ['a space', `${SENTINEL} more`],
      ['a double quote', `${SENTINEL}"`],
      ['a comma', `${SENTINEL},other`],
      ['a non-ASCII letter', `${SENTINEL}ö`],
      ['a NUL', `${SENTINEL}\u0000`],
      ['"=" before the end', `${SENTINEL}=x`],
      ['only "="', '=='],
    ])(
      'refuses a token containing %s before caching it; the message never shows it',
      async (_label, value) => {
        const tokens = manager();
        endpoint.handle(issueTokens({ access_token: value }));
        const error = await expectFailureWithBackoff(tokens, 'ERR_TOKEN_RESPONSE_INVALID');
        expect(error.message).toContain('access_token');
        expect(error.message).not.toContain(SENTINEL);
        expect(JSON.stringify(error)).not.toContain(SENTINEL);
      },
    );

    it.each([
      ['a JWT', 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln-_'],
      ['every b64token character', 'AZaz09-._~+/=='],
    ])('accepts %s', async (_label, value) => {
      const tokens = manager();
      endpoint.handle(issueTokens({ access_token: value }));
      await expect(tokens.getAccessToken('orders')).resolves.toMatchObject({ value });
    });
  });

  describe('response size (1 MiB, as golang.org/x/oauth2)', () => {
    it.each([
      ['streamed without Content-Length', false],
      ['announced by Content-Length', true],
    ])(
      'refuses a 10 MB token response %s, reads no more than the cap and releases the connection',
      async (_label, announce) => {
        const tallies: BodyTally[] = [];
        const tokens = manager();
        endpoint.handle(paddedJson(tokenResponse, 10 * MIB, announce, tallies));
        const error = await expectFailureWithBackoff(tokens, 'ERR_TOKEN_RESPONSE_INVALID');
        expect(error.message).toContain('1048576 bytes');
        expect(tallies).toHaveLength(1);
        await tallies[0]?.socketClosed; // the client let go of the connection instead of draining 10 MB
        expect(tallies[0]?.completed).toBe(false);
        // Socket buffers on loopback hold a few MiB; what matters is that the client stopped reading.
        expect(tallies[0]?.bytesWritten).toBeLessThan(10 * MIB);
      },
    );

    it('accepts a token response of exactly 1 MiB', async () => {
      const tallies: BodyTally[] = [];
      const tokens = manager();
      endpoint.handle(paddedJson(tokenResponse, MIB, false, tallies));
      await expect(tokens.getAccessToken('orders')).resolves.toMatchObject({ type: 'Bearer' });
      expect(tallies[0]).toMatchObject({ completed: true, bytesWritten: MIB });
    });

    it('refuses a token response of 1 MiB + 1 byte', async () => {
      const tokens = manager();
      endpoint.handle(paddedJson(tokenResponse, MIB + 1, false, []));
      await expect(tokens.getAccessToken('orders')).rejects.toMatchObject({
        code: 'ERR_TOKEN_RESPONSE_INVALID',
      });
    });

    it.each([
      [400, 'ERR_TOKEN_RESPONSE_INVALID'],
      [503, 'ERR_TOKEN_ENDPOINT_UNAVAILABLE'],
    ])('refuses a 10 MB error response with HTTP %i as %s', async (status, code) => {
      const tokens = manager();
      endpoint.handle((_request, response) => {
        response.writeHead(status, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ error: 'invalid_request', error_description: 'x'.repeat(10 * MIB) }));
      });
      await expect(tokens.getAccessToken('orders')).rejects.toMatchObject({
        code,
        message: expect.stringContaining(`HTTP ${status}`),
      });
    });

    it('refuses a 10 MB discovery document with ERR_DISCOVERY_FAILED', async () => {
      const tallies: BodyTally[] = [];
      const tokens = manager({ tokenEndpoint: undefined, issuer: endpoint.url });
      const metadata = () => ({ issuer: endpoint.url, token_endpoint: `${endpoint.url}/token` });
      endpoint.handle(paddedJson(metadata, 10 * MIB, false, tallies));
      await expect(tokens.getAccessToken('orders')).rejects.toMatchObject({
        code: 'ERR_DISCOVERY_FAILED',
        message: expect.stringContaining('1048576 bytes'),
      });
      await tallies[0]?.socketClosed;
      expect(tallies[0]?.completed).toBe(false);
      expect(endpoint.requests).toHaveLength(1);
    });

    it('applies the cap to a client with TLS settings (its own undici fetch)', async () => {
      const pki = await createTestPki();
      afterCleanup.push(() => pki.remove());
      const tallies: BodyTally[] = [];
      const tokens = manager({ tlsCa: pki.ca.cert });
      endpoint.handle(paddedJson(tokenResponse, 10 * MIB, false, tallies));
      await expect(tokens.getAccessToken('orders')).rejects.toMatchObject({
        code: 'ERR_TOKEN_RESPONSE_INVALID',
        message: expect.stringContaining('1048576 bytes'),
      });
      await tallies[0]?.socketClosed;
      expect(tallies[0]?.completed).toBe(false);
    });
  });
});
