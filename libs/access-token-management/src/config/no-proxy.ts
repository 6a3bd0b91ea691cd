import { BlockList, isIP } from 'node:net';

/**
 * A `NO_PROXY` list as curl reads it: entries separated by commas or spaces; `*` matches every host; a name matches
 * itself and its subdomains (a leading `.` or `*.` is ignored: `example.com`, `.example.com` and `*.example.com` are
 * the same entry); an IP address matches itself, a CIDR block (`10.0.0.0/8`) every address in it; `host:port` only
 * that port.
 */
export class NoProxyList {
  private readonly all: boolean;
  private readonly names: ReadonlyArray<{ name: string; port?: string }>;
  private readonly addresses = new BlockList();
  private readonly ports = new Map<string, Set<string>>();

  constructor(list: string | undefined) {
    const entries = (list ?? '').split(/[\s,]+/).filter(Boolean);
    this.all = entries.includes('*');
    const names: Array<{ name: string; port?: string }> = [];
    for (const entry of entries) {
      const { host, port } = splitPort(entry.toLowerCase());
      const subnet = /^(.+)\/(\d{1,3})$/.exec(host);
      const family = isIP(subnet ? subnet[1] : host);
      if (family !== 0) {
        const type = family === 4 ? 'ipv4' : 'ipv6';
        if (subnet) this.addresses.addSubnet(subnet[1], Number(subnet[2]), type);
        else if (port === undefined) this.addresses.addAddress(host, type);
        else this.ports.set(host, (this.ports.get(host) ?? new Set()).add(port));
      } else if (!subnet) {
        names.push({ name: host.replace(/^\*?\.+/, '').replace(/\.+$/, ''), port });
      }
    }
    this.names = names.filter(({ name }) => name !== '');
  }

  /** Whether requests to `url` go direct. */
  matches(url: URL): boolean {
    if (this.all) return true;
    const host = url.hostname
      .toLowerCase()
      .replace(/^\[(.*)\]$/, '$1')
      .replace(/\.+$/, '');
    const port = url.port || (url.protocol === 'https:' ? '443' : '80');
    const family = isIP(host);
    if (family !== 0) {
      return (
        this.addresses.check(host, family === 4 ? 'ipv4' : 'ipv6') || this.ports.get(host)?.has(port) === true
      );
    }
    return this.names.some(
      ({ name, port: only }) =>
        (only === undefined || only === port) && (host === name || host.endsWith(`.${name}`)),
    );
  }
}

/** `host:port`, `[v6]:port`, or a host alone (an IPv6 address without brackets has no port). */
function splitPort(entry: string): { host: string; port?: string } {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
  if (bracketed) return { host: bracketed[1], port: bracketed[2] };
  const withPort = /^([^:]+):(\d+)$/.exec(entry);
  return withPort ? { host: withPort[1], port: withPort[2] } : { host: entry };
}
