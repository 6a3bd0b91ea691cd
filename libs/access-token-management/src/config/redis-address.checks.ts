/** Where a Redis Cluster or Sentinel deployment is: checked lists of node addresses. */

/** A host and port, as a Sentinel is named (`127.0.0.1:26379`, `[::1]:26379`, `sentinel-1.internal:26379`). */
export interface RedisNodeAddress {
  readonly host: string;
  readonly port: number;
}

type Fail = (problem: string) => Error;

/** An array of strings or a comma-separated string, trimmed, empty entries dropped; anything else `undefined`. */
function listOf(value: unknown): string[] | undefined {
  const items = typeof value === 'string' ? value.split(',') : value;
  if (!Array.isArray(items) || items.some((item) => typeof item !== 'string')) return undefined;
  return (items as string[]).map((item) => item.trim()).filter(Boolean);
}

/** Which of several entries is at fault, without quoting it (it may hold a password). */
const entry = (index: number, count: number) => (count > 1 ? ` (entry ${index + 1} is not)` : '');

/**
 * Seed nodes of one Redis Cluster: `redis://` or `rediss://` URLs with a host, all with the same scheme and
 * credentials (node-redis applies them to every node it discovers), none selecting a database (a cluster has only 0).
 */
export function checkRedisUrls(value: unknown, fail: Fail): readonly string[] {
  const items = listOf(value);
  if (items === undefined || items.length === 0) {
    throw fail('must list one or more redis:// or rediss:// URLs, comma-separated');
  }
  const urls = items.map((item, index) => {
    let url: URL | undefined;
    try {
      url = new URL(item);
    } catch {
      url = undefined;
    }
    if (
      url === undefined ||
      (url.protocol !== 'redis:' && url.protocol !== 'rediss:') ||
      url.hostname === ''
    ) {
      throw fail(`must list redis:// or rediss:// URLs${entry(index, items.length)}`);
    }
    if (!['', '/', '/0'].includes(url.pathname)) {
      throw fail(
        `must not select a database: Redis Cluster has database 0 only${entry(index, items.length)}`,
      );
    }
    return url;
  });
  const [first] = urls as [URL, ...URL[]];
  const same = (url: URL) =>
    url.protocol === first.protocol && url.username === first.username && url.password === first.password;
  if (!urls.every(same)) throw fail('must give every node the same scheme (redis or rediss) and credentials');
  return Object.freeze(items);
}

const HOST_PORT = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+):(\d{1,5})$/;

/** `host:port` pairs (an IPv6 host in brackets), ports 1-65535. */
export function checkHostPorts(value: unknown, fail: Fail): readonly RedisNodeAddress[] {
  const items = listOf(value);
  if (items === undefined || items.length === 0) {
    throw fail('must list one or more host:port pairs, comma-separated');
  }
  return Object.freeze(
    items.map((item, index) => {
      const match = HOST_PORT.exec(item);
      const port = Number(match?.[2]);
      if (!match || port < 1 || port > 65_535) {
        throw fail(`must list host:port pairs, ports 1-65535${entry(index, items.length)}`);
      }
      return Object.freeze({ host: (match[1] as string).replace(/^\[|\]$/g, ''), port });
    }),
  );
}
