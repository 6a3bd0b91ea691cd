import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer, Socket } from 'node:net';

export interface RunningRedis {
  url: string;
  /** SIGKILL: the outage a test simulates. */
  kill(): Promise<void>;
  /** Starts it again on the same port (empty: no persistence). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** The redis-server binary: REDIS_SERVER_BIN, else `redis-server` on PATH. Fails loudly when there is none. */
function redisBinary(): string {
  const candidate = process.env.REDIS_SERVER_BIN ?? 'redis-server';
  const probe = spawnSync(candidate, ['--version'], { encoding: 'utf8' });
  if (probe.status !== 0) {
    throw new Error(
      `No redis-server found (tried '${candidate}'). Install Debian's redis-server (apt-get install -y redis-server), ` +
        'set REDIS_SERVER_BIN, or set REDIS_URL to a Redis the tests may use.',
    );
  }
  return candidate;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.connect(port, '127.0.0.1', () => socket.write('PING\r\n'));
    socket.once('data', (data) => done(data.toString().startsWith('+PONG')));
  });
}

/**
 * A real redis-server on a free loopback port, started and killed by the test (no persistence). With REDIS_URL set,
 * that Redis is used instead, and tests that must kill it fail with a message saying why.
 */
export async function startRedisServer(): Promise<RunningRedis> {
  const external = process.env.REDIS_URL;
  if (external) {
    const refuse = () => Promise.reject(new Error('Cannot kill or restart the Redis of REDIS_URL; unset it'));
    return { url: external, kill: refuse, restart: refuse, stop: () => Promise.resolve() };
  }
  const binary = redisBinary();
  const port = await freePort();
  let child: ChildProcess | undefined;
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
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`redis-server did not answer on port ${port}`);
  };
  const kill = async () => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      running.once('exit', () => resolve());
      running.kill('SIGKILL');
    });
  };
  await start();
  return { url: `redis://127.0.0.1:${port}`, kill, restart: start, stop: kill };
}
