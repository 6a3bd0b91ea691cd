import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { startOrdersCallerProcess } from '../support/apps/start-orders-caller.js';
import { startOrdersSystem, type OrdersSystem } from '../support/apps/start-orders-system.js';
import { buildSampleApps, type RunningProcess } from '../support/processes.js';
import { redisCli, startRedisCluster, type RunningCluster } from '../support/redis-topologies.mjs';

const BUILD_TIMEOUT_MS = 300_000;

/**
 * The sample orders-caller as a fleet on a Redis Cluster, the way it is deployed: built processes configured purely
 * through env (`ACCESS_TOKEN_CACHE_CLUSTER_NODES`), a real token server and orders-api, a 3-primary cluster made by
 * `redis-cli --cluster create`.
 */
describe('orders-caller processes sharing tokens through a Redis Cluster, configured from env', () => {
  let cluster: RunningCluster;
  let system: OrdersSystem;
  let workdir: string;
  const callers: RunningProcess[] = [];

  beforeAll(async () => {
    workdir = await mkdtemp(join(tmpdir(), 'atm-cluster-callers-'));
    [cluster, system] = await Promise.all([
      startRedisCluster({ primaries: 3 }),
      startOrdersSystem(),
      buildSampleApps(['orders-caller']),
    ]).then(([started, orders]) => [started, orders] as const);
  }, BUILD_TIMEOUT_MS);

  afterAll(async () => {
    await Promise.all(callers.splice(0).map((caller) => caller.stop()));
    await Promise.all([cluster?.stop(), system?.close()]);
    await rm(workdir, { recursive: true, force: true });
  });

  it('makes one token request for 4 processes x 50 concurrent cold calls, and stores the token encrypted', async () => {
    const env = system.callerEnv({
      ACCESS_TOKEN_CACHE_CLUSTER_NODES: cluster.urls.join(','),
      ACCESS_TOKEN_CACHE_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      ACCESS_TOKEN_CACHE_KEY_PREFIX: 'orders-caller',
    });
    const before = system.tokenServer.tokenRequests();
    const fleet = await Promise.all(Array.from({ length: 4 }, () => startOrdersCallerProcess(env, workdir)));
    callers.push(...fleet);

    const statuses = await Promise.all(
      fleet.flatMap((caller) =>
        Array.from({ length: 50 }, () => fetch(`${caller.url}/orders`).then((response) => response.status)),
      ),
    );

    expect(statuses.filter((status) => status !== 200)).toEqual([]);
    expect(system.tokenServer.tokenRequests() - before).toBe(1);
    // The one entry is on a primary of the cluster, and what it holds shows no JWT (`eyJ<header>.eyJ<payload>`).
    const entries: string[] = [];
    for (const node of await cluster.primaries()) {
      const keys = (await redisCli(node.port, '--scan', '--pattern', 'keyv::*')).split('\n').filter(Boolean);
      for (const entry of keys) entries.push(await redisCli(node.port, 'get', entry));
    }
    expect(entries).toHaveLength(1);
    expect(entries[0]?.length).toBeGreaterThan(40);
    expect(entries[0]).not.toMatch(/eyJ[\w-]*\.eyJ/);
  }, 120_000);
});
