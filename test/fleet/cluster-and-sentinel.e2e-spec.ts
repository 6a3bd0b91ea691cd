import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { AccessTokenManager, type AccessTokenOptions } from 'nestjs-access-token-management';
import {
  redisCli,
  startRedisCluster,
  startRedisSentinel,
  type RunningCluster,
  type RunningSentinel,
} from '../support/redis-topologies.mjs';
import { startScriptedServer, type ScriptedServer } from '../support/scripted-server.js';
import { issueTokens } from '../support/token-responses.js';
import { buildLibrary, startMember, type CallRecord, type FleetMember } from './fleet.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
const key = randomBytes(32).toString('base64');

/**
 * 60 s tokens renewed 30 s early without jitter: the first renewal 30 s after issue, at the same moment in every
 * process. A renewal may take half the time its token can still be served (25 s), with a 20 s request timeout 12.5 s,
 * and half of that (6 s) it may wait on a store that does not answer: longer than a failover lasts here as a process
 * sees it (the promotion, then its client finding the new primary: 3-6 s).
 */
const LIFETIME_S = 60;
const RENEW_AFTER_MS = 30_000;
const REQUEST_TIMEOUT_MS = 20_000;
/** The primary is killed this long before the fleet's renewal, which then falls inside the failover. */
const KILL_BEFORE_RENEWAL_MS = 1_000;

let endpoint: ScriptedServer;
const members: FleetMember[] = [];
const managers: AccessTokenManager[] = [];
const SECRET = 'S3cret-not-for-logs';

beforeAll(async () => {
  buildLibrary();
  endpoint = await startScriptedServer();
}, 60_000);
afterEach(async () => {
  await Promise.all(members.splice(0).map((member) => member.exit()));
  await Promise.all(managers.splice(0).map((manager) => manager.close()));
  endpoint.requests.length = 0;
});

/**
 * An instance in this process whose Redis refuses its credentials: every call still succeeds (through the token
 * endpoint), one warning says why, and neither it nor any other line quotes the password.
 */
async function expectRefusedCredentialsServeSecretFree(store: Partial<AccessTokenOptions>) {
  endpoint.handle(issueTokens());
  const lines: string[] = [];
  const manager = new AccessTokenManager(options(store), {
    logger: { log: (line) => lines.push(line), warn: (line) => lines.push(`warn: ${line}`) },
  });
  managers.push(manager);
  const results = await Promise.allSettled(
    Array.from({ length: 20 }, () => manager.getAccessToken('orders')),
  );
  expect(results.filter((result) => result.status === 'rejected')).toEqual([]);
  expect(endpoint.requests).toHaveLength(1);
  expect(lines.filter((line) => line.startsWith('warn: Shared token cache unavailable'))).toHaveLength(1);
  for (const line of lines) expect(line).not.toContain(SECRET);
  // Closing does not wait on a client that keeps retrying refused credentials.
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise((resolve) => (timer = setTimeout(resolve, 5_000, 'still closing after 5 s')));
  const closed = await Promise.race([manager.close().then(() => 'closed'), late]);
  clearTimeout(timer);
  expect(closed).toBe('closed');
}
afterAll(() => endpoint.close());

function options(store: Partial<AccessTokenOptions>): AccessTokenOptions {
  return {
    clients: {
      orders: {
        tokenEndpoint: `${endpoint.url}/token`,
        clientId: 'orders-caller',
        clientSecret: 'fleet-secret',
        scope: 'orders.read',
        requestTimeoutMs: REQUEST_TIMEOUT_MS,
      },
    },
    cacheEncryptionKey: key,
    refreshBeforeExpirySeconds: LIFETIME_S - RENEW_AFTER_MS / 1000,
    refreshJitter: 0,
    ...store,
  };
}

async function fleetOf(count: number, store: Partial<AccessTokenOptions>): Promise<FleetMember[]> {
  const fleet = await Promise.all(Array.from({ length: count }, () => startMember(options(store))));
  members.push(...fleet);
  return fleet;
}

/**
 * A call every 20 ms in each process for `ms`, with `fault` run `faultAfterMs` after the first token request; then
 * the calls, the failed ones, each process's warnings about the shared cache meanwhile, and the token requests from
 * the fault on (in ms after it): the failover window.
 */
async function underLoad(fleet: FleetMember[], ms: number, faultAfterMs: number, fault: () => Promise<void>) {
  const warnedBefore = fleet.map((member) => member.warnings.length);
  const loads = Promise.all(fleet.map((member) => member.load(20, Date.now() + ms)));
  for (let i = 0; i < 200 && endpoint.requests.length === 0; i++) await sleep(10);
  await sleep((endpoint.requests[0]?.receivedAt ?? 0) + faultAfterMs - Date.now());
  const faultAt = Date.now();
  await fault();
  const records: CallRecord[] = (await loads).flat();
  return {
    calls: records.length,
    failed: records.filter((record) => record.error !== undefined).length,
    // Per process, the warnings about the shared cache during the load.
    warnings: fleet.map(
      (member, i) =>
        member.warnings.slice(warnedBefore[i]).filter((w) => w.startsWith('Shared token cache unavailable'))
          .length,
    ),
    requestsInFailover: endpoint.requests
      .filter((request) => request.receivedAt >= faultAt)
      .map((request) => request.receivedAt - faultAt),
  };
}

/** Kills the store `KILL_BEFORE_RENEWAL_MS` before the renewal and loads the fleet until 9 s after it. */
function throughFailover(fleet: FleetMember[], kill: () => Promise<void>) {
  return underLoad(fleet, RENEW_AFTER_MS + 9_000, RENEW_AFTER_MS - KILL_BEFORE_RENEWAL_MS, kill);
}

/**
 * The renewal inside the failover is made, and at most once more: the renewals that find the store unanswering wait
 * for it (half their budget) and take turns again once the new primary answers, so at most one instance, one whose
 * client is slowest to find it, renews on its own.
 */
function expectAtMostOneDuplicate(requestsInFailover: number[]): void {
  expect(requestsInFailover.length).toBeGreaterThanOrEqual(1);
  expect(requestsInFailover.length - 1).toBeLessThanOrEqual(1);
}

/** Every key the primaries of a cluster hold. */
async function clusterKeys(cluster: RunningCluster): Promise<Array<{ port: number; key: string }>> {
  const found = [];
  for (const node of await cluster.primaries()) {
    const keys = (await redisCli(node.port, '--scan')).split('\n').filter(Boolean);
    found.push(...keys.map((k) => ({ port: node.port, key: k })));
  }
  return found;
}

describe('a fleet sharing tokens through a Redis Cluster', () => {
  let cluster: RunningCluster;
  beforeAll(async () => {
    cluster = await startRedisCluster({ primaries: 3, replicas: 1 });
  }, 60_000);
  afterEach(async () => {
    for (const node of await cluster.primaries()) await redisCli(node.port, 'flushall').catch(() => '');
  });
  afterAll(() => cluster?.stop());

  const store = () => ({ cacheClusterNodes: cluster.urls.slice(0, 3) });

  it('makes one token request for 4 processes x 50 concurrent cold calls, with the entry encrypted and its lock on its slot', async () => {
    endpoint.handle(issueTokens({ expires_in: 300 }, 300));
    const fleet = await fleetOf(4, store());
    const pending = Promise.all(fleet.map((member) => member.burst(50)));
    let lock: { port: number; key: string } | undefined;
    for (let i = 0; i < 100 && lock === undefined; i++) {
      lock = (await clusterKeys(cluster)).find((found) => found.key.endsWith(':lock'));
      if (lock === undefined) await sleep(10);
    }
    const cold = await pending;

    expect(cold.flatMap((r) => r.errors)).toEqual([]);
    const values = new Set(cold.flatMap((r) => r.values));
    expect(values.size).toBe(1);
    expect(endpoint.requests).toHaveLength(1);
    const stored = (await clusterKeys(cluster)).filter((found) => !found.key.endsWith(':lock'));
    expect(stored).toHaveLength(1);
    const [entry] = stored;
    // Entry and lock: one hash tag, one slot, one primary.
    expect(entry?.key).toMatch(/^keyv::\{atm:orders:[\w-]+\}$/);
    expect(lock?.key).toBe(`${entry?.key.replace(/^keyv::/, '')}:lock`);
    expect(lock?.port).toBe(entry?.port);
    const token = [...values][0] as string;
    const value = await redisCli(entry?.port ?? 0, 'get', entry?.key ?? '');
    expect(value.length).toBeGreaterThan(40);
    for (let i = 0; i + 8 <= token.length; i++) expect(value).not.toContain(token.slice(i, i + 8));
  }, 60_000);

  it('serves, warns once and quotes no password when the cluster refuses the credentials in the URLs', async () => {
    await expectRefusedCredentialsServeSecretFree({
      cacheClusterNodes: cluster.urls.slice(0, 3).map((url) => url.replace('//', `//user:${SECRET}@`)),
    });
  });

  it('keeps every call succeeding when the primary of the token slot is killed, with at most one duplicate token request, and shares again after the promotion', async () => {
    endpoint.handle(issueTokens({ expires_in: LIFETIME_S }));
    const fleet = await fleetOf(4, store());
    let killed = 0;
    // Killed 1 s before the renewal: the replica's promotion (about 2-3 s) spans it.
    const result = await throughFailover(fleet, async () => {
      const [entry] = (await clusterKeys(cluster)).filter((found) => !found.key.endsWith(':lock'));
      const primary = cluster.nodes.find((node) => node.port === entry?.port);
      killed = primary?.port ?? 0;
      await primary?.kill();
    });

    expect(killed).toBeGreaterThan(0);
    expect(result.calls).toBeGreaterThan(4 * 1_000);
    expect(result.failed).toBe(0);
    for (const warnings of result.warnings) expect(warnings).toBeLessThanOrEqual(1);
    expectAtMostOneDuplicate(result.requestsInFailover);

    // After the promotion the fleet shares again: a new process reads the token the fleet renewed inside the
    // failover: no token request.
    await cluster.healthy();
    const before = endpoint.requests.length;
    const [newcomer] = await fleetOf(1, store());
    const { values, errors } = await newcomer!.burst(5);
    expect(errors).toEqual([]);
    expect(values.every((value) => typeof value === 'string')).toBe(true);
    expect(endpoint.requests).toHaveLength(before);
  }, 120_000);
});

describe('a fleet sharing tokens through a Sentinel-managed Redis', () => {
  let sentinel: RunningSentinel;
  beforeAll(async () => {
    sentinel = await startRedisSentinel();
  }, 60_000);
  afterAll(() => sentinel?.stop());

  const store = () => ({ cacheSentinels: sentinel.sentinels, cacheSentinelMaster: sentinel.master });

  it('serves, warns once and quotes no password when the primary refuses the password', async () => {
    await expectRefusedCredentialsServeSecretFree({ ...store(), cachePassword: SECRET });
  });

  it('keeps every call succeeding when the primary is killed, with at most one duplicate token request, and shares again after the promotion', async () => {
    endpoint.handle(issueTokens({ expires_in: LIFETIME_S }));
    const fleet = await fleetOf(4, store());
    const cold = await Promise.all(fleet.map((member) => member.burst(20)));
    expect(cold.flatMap((r) => r.errors)).toEqual([]);
    expect(endpoint.requests).toHaveLength(1);

    const result = await throughFailover(fleet, () => sentinel.primary.kill());

    expect(await sentinel.primaryPort()).toBe(sentinel.replica.port);
    expect(result.calls).toBeGreaterThan(4 * 1_000);
    expect(result.failed).toBe(0);
    for (const warnings of result.warnings) expect(warnings).toBeLessThanOrEqual(1);
    expectAtMostOneDuplicate(result.requestsInFailover);

    const before = endpoint.requests.length;
    const [newcomer] = await fleetOf(1, store());
    const { values, errors } = await newcomer!.burst(5);
    expect(errors).toEqual([]);
    expect(values.every((value) => typeof value === 'string')).toBe(true);
    expect(endpoint.requests).toHaveLength(before);
  }, 120_000);
});
