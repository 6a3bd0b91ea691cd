import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { createClient } from '@keyv/redis';
import type { AccessTokenOptions } from 'nestjs-access-token-management';
import { startRedisServer, type RunningRedis } from '../support/redis-server.mjs';
import { sendJson, startScriptedServer, type ScriptedServer } from '../support/scripted-server.js';
import { issueTokens } from '../support/token-responses.js';
import { buildLibrary, startMember, type CallRecord, type FleetMember } from './fleet.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

/** What the token endpoint does at a moment, counted from its first token. */
type Fault = 'hang' | 'fail' | undefined;

/**
 * Soaks: 3 processes sharing tokens through a real Redis, each making 20 calls/s (60 calls/s in all) through a fault,
 * counting the calls that failed while a valid token existed (one the endpoint had issued and that had not expired).
 */
describe('a fleet under load through token endpoint and Redis faults', () => {
  let redis: RunningRedis;
  let endpoint: ScriptedServer;
  let raw: ReturnType<typeof createClient>;
  const members: FleetMember[] = [];
  const key = randomBytes(32).toString('base64');

  beforeAll(async () => {
    buildLibrary();
    [redis, endpoint] = await Promise.all([startRedisServer(), startScriptedServer()]);
    raw = createClient({ url: redis.url });
    raw.on('error', () => undefined);
    await raw.connect();
  }, 60_000);
  afterEach(async () => {
    await Promise.all(members.splice(0).map((member) => member.exit()));
    endpoint.requests.length = 0;
    await raw.flushAll().catch(() => undefined);
  });
  afterAll(async () => {
    await raw.quit().catch(() => undefined);
    await Promise.all([redis.stop(), endpoint.close()]);
  });

  /** The token endpoint issues `lifetimeSeconds` tokens, or hangs (never answers) or fails (503) as `fault` says. */
  function scriptEndpoint(lifetimeSeconds: number, fault: (sinceFirstTokenMs: number) => Fault) {
    const issued: Array<{ at: number; expiresAt: number }> = [];
    const issue = issueTokens({ expires_in: lifetimeSeconds });
    endpoint.handle((request, response) => {
      const now = Date.now();
      const first = issued[0]?.at;
      const happening = first === undefined ? undefined : fault(now - first);
      if (happening === 'hang') return;
      if (happening === 'fail') return sendJson(503, { down: true })(request, response);
      issued.push({ at: now, expiresAt: now + lifetimeSeconds * 1000 });
      return issue(request, response);
    });
    return issued;
  }

  async function startFleet(overrides: Partial<AccessTokenOptions>): Promise<FleetMember[]> {
    const options: AccessTokenOptions = {
      clients: {
        orders: {
          tokenEndpoint: `${endpoint.url}/token`,
          clientId: 'orders-caller',
          clientSecret: 'fleet-secret',
          scope: 'orders.read',
        },
      },
      cacheUrl: redis.url,
      cacheEncryptionKey: key,
      ...overrides,
    };
    const fleet = await Promise.all(Array.from({ length: 3 }, () => startMember(options)));
    members.push(...fleet);
    return fleet;
  }

  function summary(records: CallRecord[], issued: Array<{ at: number; expiresAt: number }>) {
    const failed = records.filter((record) => record.error !== undefined);
    const whileValid = failed.filter((record) =>
      issued.some((token) => token.at <= record.at && record.at < token.expiresAt),
    );
    return {
      calls: records.length,
      failed: failed.length,
      failedWhileValid: whileValid.length,
      stalledOver1s: records.filter((record) => record.ms > 1_000).length,
      tokenRequests: endpoint.requests.length,
    };
  }

  it('fails no call while a token is valid when the token endpoint hangs through a renewal', async () => {
    // 8 s tokens renewed 3 s early, without jitter: every process renews 5 s after issue, inside the 3.5 s hang
    // (from 5.5 s to 2 s of token life left), with a 10 s request timeout.
    const issued = scriptEndpoint(8, (since) => (since >= 2_500 && since < 6_000 ? 'hang' : undefined));
    const fleet = await startFleet({ refreshBeforeExpirySeconds: 3, refreshJitter: 0 });
    const until = Date.now() + 11_000;
    const records = (await Promise.all(fleet.map((member) => member.load(50, until)))).flat();

    const result = summary(records, issued);
    expect(result.calls).toBeGreaterThan(500);
    expect(result.failedWhileValid).toBe(0);
    expect(result.failed).toBe(0);
    // The first token, the renewal that went into the hang, and the fresh attempts after it: nothing per call.
    expect(result.tokenRequests).toBeLessThanOrEqual(6);
  }, 60_000);

  it('fails no call while a token is valid when Redis comes back empty and the token endpoint then fails for 2 s', async () => {
    // 8 s tokens renewed 4 s early, without jitter. Redis restarts (empty) 2.5 s after issue; the token endpoint fails
    // from 3.5 s to 5.5 s, through the renewal point: the in-process copies are all that is left to serve.
    const issued = scriptEndpoint(8, (since) => (since >= 3_500 && since < 5_500 ? 'fail' : undefined));
    const fleet = await startFleet({ refreshBeforeExpirySeconds: 4, refreshJitter: 0 });
    const until = Date.now() + 10_000;
    const loads = Promise.all(fleet.map((member) => member.load(50, until)));
    for (let i = 0; i < 200 && issued.length === 0; i++) await sleep(10);
    await sleep((issued[0]?.at ?? 0) + 2_500 - Date.now());
    await redis.kill();
    await redis.restart();
    const records = (await loads).flat();

    const result = summary(records, issued);
    expect(result.calls).toBeGreaterThan(450);
    expect(result.failedWhileValid).toBe(0);
    expect(result.failed).toBe(0);
    // Attempts during the failure follow each process's backoff, not the call rate.
    expect(result.tokenRequests).toBeLessThanOrEqual(1 + 3 * 4);
  }, 60_000);
});
