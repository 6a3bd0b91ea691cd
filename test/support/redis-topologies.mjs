// Real Redis Cluster and Sentinel deployments on free loopback ports, for the tests and the bench: redis-server
// processes (cluster nodes, a primary and its replica, sentinels via `redis-server --sentinel`) started, killed and
// removed by their caller. Plain ESM so that both can import it; types in redis-topologies.d.mts.
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { redisBinary, redisCommand } from './redis-server.mjs';

const run = promisify(execFile);

const portIsFree = (port) =>
  new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });

/**
 * `count` distinct free loopback ports below 55536 whose port + 10000 is free too (a cluster node's bus port), so a
 * cluster node can listen on both.
 */
async function freePorts(count) {
  const ports = [];
  while (ports.length < count) {
    const port = 20_000 + Math.floor(Math.random() * 30_000);
    if (ports.includes(port) || ports.includes(port + 10_000) || ports.includes(port - 10_000)) continue;
    if ((await portIsFree(port)) && (await portIsFree(port + 10_000))) ports.push(port);
  }
  return ports;
}

/** `redis-cli -p port ...args`: the whole reply as text. */
export async function redisCli(port, ...args) {
  const { stdout } = await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], {
    timeout: 5_000,
  });
  return stdout;
}

const answersPing = (port) =>
  redisCommand(port, 'PING').then(
    (line) => line === '+PONG',
    () => false,
  );

async function waitFor(what, check, tries = 200) {
  for (let i = 0; i < tries; i++) {
    if (await check().catch(() => false)) return;
    await sleep(50);
  }
  throw new Error(`Timed out waiting for ${what}`);
}

/** One redis-server process on `port` with `args` (or a config file), killed by SIGKILL and restartable. */
function redisProcess(binary, port, args) {
  let child;
  const process = {
    port,
    get running() {
      return child !== undefined;
    },
    start: async () => {
      child = spawn(binary, args, { stdio: 'ignore' });
      await waitFor(`redis on port ${port}`, () => answersPing(port));
    },
    kill: async () => {
      const running = child;
      child = undefined;
      if (!running || running.exitCode !== null || running.signalCode !== null) return;
      await new Promise((resolve) => {
        running.once('exit', () => resolve());
        running.kill('SIGKILL');
      });
    },
  };
  return process;
}

const NO_PERSISTENCE = ['--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];

/**
 * A Redis Cluster of `primaries` primaries with `replicas` replicas each, made by `redis-cli --cluster create`. A
 * node is judged failed after 1 s (`cluster-node-timeout`), so a replica takes over a killed primary within seconds.
 */
export async function startRedisCluster({ primaries = 3, replicas = 1 } = {}) {
  const { binary } = redisBinary();
  const dir = mkdtempSync(join(tmpdir(), 'atm-cluster-'));
  const ports = await freePorts(primaries * (1 + replicas));
  const nodes = ports.map((port) =>
    redisProcess(binary, port, [
      '--port',
      String(port),
      ...NO_PERSISTENCE,
      '--dir',
      dir,
      '--cluster-enabled',
      'yes',
      '--cluster-config-file',
      `nodes-${port}.conf`,
      '--cluster-node-timeout',
      '1000',
      // Any replica may take over, however long it was cut off: the test kills primaries on purpose.
      '--cluster-replica-validity-factor',
      '0',
    ]),
  );
  const stop = async () => {
    await Promise.all(nodes.map((node) => node.kill()));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await Promise.all(nodes.map((node) => node.start()));
    await run(
      'redis-cli',
      [
        '--cluster',
        'create',
        ...ports.map((port) => `127.0.0.1:${port}`),
        '--cluster-replicas',
        String(replicas),
        '--cluster-yes',
      ],
      { timeout: 30_000 },
    );
    const cluster = {
      urls: ports.map((port) => `redis://127.0.0.1:${port}`),
      nodes,
      stop,
      /** The nodes that are primaries now, as the cluster's live nodes see it. */
      primaries: async () => {
        const live = nodes.find((node) => node.running);
        const lines = (await redisCli(live.port, 'cluster', 'nodes')).trim().split('\n');
        // <id> <ip:port@bus> <flags> ...: a primary not flagged as failing.
        const ports = lines
          .map((line) => line.split(' '))
          .filter(([, , flags]) => flags.split(',').includes('master') && !flags.includes('fail'))
          .map(([, address]) => Number(address.split('@')[0].split(':')[1]));
        return nodes.filter((node) => ports.includes(node.port));
      },
      /** Resolves once every slot is served (`cluster_state:ok`) as all running nodes see it, replicas in sync. */
      healthy: () =>
        waitFor(
          'the cluster to be healthy',
          async () => {
            for (const node of nodes.filter((candidate) => candidate.running)) {
              if (!(await redisCli(node.port, 'cluster', 'info')).includes('cluster_state:ok')) return false;
              const replication = await redisCli(node.port, 'info', 'replication');
              if (replication.includes('role:slave') && !replication.includes('master_link_status:up'))
                return false;
            }
            return true;
          },
          600,
        ),
    };
    await cluster.healthy();
    return cluster;
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * A primary, one replica and three sentinels (quorum 2) watching it as `master`. A primary is judged down after 1 s,
 * so a killed primary's replica is promoted within seconds.
 */
export async function startRedisSentinel({ master = 'mymaster' } = {}) {
  const { binary } = redisBinary();
  const dir = mkdtempSync(join(tmpdir(), 'atm-sentinel-'));
  const [primaryPort, replicaPort, ...sentinelPorts] = await freePorts(5);
  // A replica's full sync goes through an RDB file in its working directory: the deployment's own.
  const primary = redisProcess(binary, primaryPort, [
    '--port',
    String(primaryPort),
    ...NO_PERSISTENCE,
    '--dir',
    dir,
  ]);
  const replica = redisProcess(binary, replicaPort, [
    '--port',
    String(replicaPort),
    ...NO_PERSISTENCE,
    '--dir',
    dir,
    '--replicaof',
    '127.0.0.1',
    String(primaryPort),
  ]);
  const sentinels = sentinelPorts.map((port) => {
    // A sentinel rewrites its configuration file as it learns the topology: one writable file each.
    const file = join(dir, `sentinel-${port}.conf`);
    writeFileSync(
      file,
      [
        `port ${port}`,
        'bind 127.0.0.1',
        `sentinel monitor ${master} 127.0.0.1 ${primaryPort} 2`,
        `sentinel down-after-milliseconds ${master} 1000`,
        `sentinel failover-timeout ${master} 5000`,
        '',
      ].join('\n'),
    );
    return redisProcess(binary, port, [file, '--sentinel']);
  });
  const all = [primary, replica, ...sentinels];
  const stop = async () => {
    await Promise.all(all.map((node) => node.kill()));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await primary.start();
    await replica.start();
    await waitFor('the replica to sync', async () =>
      (await redisCli(replicaPort, 'info', 'replication')).includes('master_link_status:up'),
    );
    await Promise.all(sentinels.map((sentinel) => sentinel.start()));
    const deployment = {
      master,
      sentinels: sentinelPorts.map((port) => `127.0.0.1:${port}`),
      primary,
      replica,
      stop,
      /** The port of the primary the sentinels name now. */
      primaryPort: async () =>
        Number(
          (await redisCli(sentinelPorts[0], 'sentinel', 'get-master-addr-by-name', master)).split('\n')[1],
        ),
      /** Resolves once every sentinel knows the other two and the replica. */
      healthy: () =>
        waitFor(
          'the sentinels to see each other',
          async () => {
            for (const port of sentinelPorts) {
              const info = await redisCli(port, 'sentinel', 'master', master);
              const field = (name) => Number(info.split('\n')[info.split('\n').indexOf(name) + 1]);
              if (field('num-other-sentinels') < 2 || field('num-slaves') < 1) return false;
            }
            return true;
          },
          600,
        ),
    };
    await deployment.healthy();
    return deployment;
  } catch (error) {
    await stop();
    throw error;
  }
}
