// A real redis-server on a free loopback port, for the tests (TypeScript, through redis-server.d.mts) and the bench
// (plain Node): one launcher, so both start, probe and kill Redis the same way. Plain ESM so that both can import it.
import { Buffer } from 'node:buffer';
import { spawn, spawnSync } from 'node:child_process';
import { createServer, Socket } from 'node:net';
import process from 'node:process';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * The redis-server binary, REDIS_SERVER_BIN or else `redis-server` on PATH, and its version line. Throws, saying
 * what to install, when there is none.
 */
export function redisBinary() {
  const binary = process.env.REDIS_SERVER_BIN ?? 'redis-server';
  const probe = spawnSync(binary, ['--version'], { encoding: 'utf8' });
  if (probe.status !== 0) {
    throw new Error(
      `No redis-server found (tried '${binary}'). Install Debian's redis-server (apt-get install -y redis-server) ` +
        'or set REDIS_SERVER_BIN.',
    );
  }
  return { binary, version: probe.stdout.trim() };
}

async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(() => resolve()));
  return port;
}

/** Sends one command over RESP and resolves with the first line of the reply; rejects after 2 s or on an error. */
export function redisCommand(port, ...args) {
  return new Promise((resolve, reject) => {
    const socket = new Socket();
    const fail = (error) => {
      socket.destroy();
      reject(error);
    };
    socket.setTimeout(2000, () => fail(new Error(`redis on port ${port} did not answer ${args[0]}`)));
    socket.once('error', fail);
    socket.once('data', (data) => {
      socket.destroy();
      resolve(data.toString('utf8').split('\r\n')[0]);
    });
    socket.connect(port, '127.0.0.1', () =>
      socket.write(`*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`),
    );
  });
}

const answersPing = (port) =>
  redisCommand(port, 'PING').then(
    (line) => line === '+PONG',
    () => false,
  );

/**
 * Spawns redis-server on a free loopback port (no persistence) and waits until it answers PING. Always a process of
 * its own, whatever REDIS_URL says: its caller may flush, kill and restart it. Takes what `redisBinary` found.
 */
export async function spawnRedisServer({ binary, version } = redisBinary()) {
  const port = await freePort();
  let child;
  const start = async () => {
    child = spawn(
      binary,
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      {
        stdio: 'ignore',
      },
    );
    for (let i = 0; i < 100; i++) {
      if (await answersPing(port)) return;
      await sleep(50);
    }
    throw new Error(`redis-server did not answer on port ${port}`);
  };
  const kill = async () => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    await new Promise((resolve) => {
      running.once('exit', () => resolve());
      running.kill('SIGKILL');
    });
  };
  try {
    await start();
  } catch (error) {
    await kill();
    throw error;
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    version,
    kill,
    restart: start,
    stop: kill,
    flush: async () => {
      const reply = await redisCommand(port, 'FLUSHALL');
      if (reply !== '+OK') throw new Error(`FLUSHALL on port ${port} answered ${reply}`);
    },
  };
}

/**
 * A Redis for a test: with REDIS_URL set, that Redis (which a test cannot kill: `kill` and `restart` reject saying
 * why); otherwise a redis-server of its own on a free loopback port, started and killed by the test.
 */
export async function startRedisServer() {
  const external = process.env.REDIS_URL;
  if (external) {
    const refuse = () => Promise.reject(new Error('Cannot kill or restart the Redis of REDIS_URL; unset it'));
    return { url: external, kill: refuse, restart: refuse, stop: () => Promise.resolve() };
  }
  let found;
  try {
    found = redisBinary();
  } catch (error) {
    throw new Error(`${error.message} Or set REDIS_URL to a Redis the tests may use.`, { cause: error });
  }
  const { url, kill, restart, stop } = await spawnRedisServer(found);
  return { url, kill, restart, stop };
}
