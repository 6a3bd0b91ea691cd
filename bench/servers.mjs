// The bench's own token server and API, on node:http, loopback only. Both run in the orchestrator process; clients
// run in child processes. Everything is counted per client id, so several clients can share one timed run.
import { Buffer } from 'node:buffer';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { URLSearchParams } from 'node:url';

export const CLIENT_SECRET = 'bench-secret';
export const STATIC_CLIENT_ID = 'static';

/** A counter map keyed by client id. */
class Counts {
  map = new Map();
  add(clientId, n = 1) {
    this.map.set(clientId, (this.map.get(clientId) ?? 0) + n);
  }
  get(clientId) {
    return this.map.get(clientId) ?? 0;
  }
  clear() {
    this.map.clear();
  }
}

function readBody(req, limit = 16_384) {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks = [];
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size > limit) {
        reject(new Error('body too large'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function listen(server) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    // A large backlog: the cold stampede opens up to 1,000 connections at once.
    server.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, () => resolve(server.address().port));
  });
}

function send(res, status, body, headers = {}) {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, {
    'content-type': typeof body === 'string' ? 'text/plain' : 'application/json',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

/**
 * Token server (client credentials only) and API. Settings: `delayMs` (token endpoint answer delay),
 * `lifetimeSeconds` (expires_in), `outage` (token endpoint answers 503 without an OAuth error).
 */
export class BenchServers {
  settings = { delayMs: 0, lifetimeSeconds: 3600, outage: false };
  /** token value -> { clientId, expiresAt (epoch ms) } */
  issued = new Map();
  tokenRequests = new Counts();
  /** clientId -> epoch ms of each token request received (for the chart and windowed counts). */
  tokenRequestTimes = new Map();
  outageHits = new Counts();
  apiCalls = new Counts();
  expiredPresented = new Counts();
  /** clientId -> expiry (epoch ms) of the last token issued to it. */
  lastExpiresAt = new Map();
  unknownPresented = 0;
  missingAuthorization = 0;

  async start() {
    this.tokenServer = createServer((req, res) => {
      this.handleToken(req, res).catch(() => {
        if (!res.headersSent) send(res, 500, 'error');
      });
    });
    this.apiServer = createServer((req, res) => this.handleApi(req, res));
    for (const server of [this.tokenServer, this.apiServer]) {
      server.keepAliveTimeout = 30_000;
      server.headersTimeout = 31_000;
    }
    const [tokenPort, apiPort] = await Promise.all([listen(this.tokenServer), listen(this.apiServer)]);
    this.tokenEndpoint = `http://127.0.0.1:${tokenPort}/token`;
    this.issuer = `http://127.0.0.1:${tokenPort}`;
    this.apiBase = `http://127.0.0.1:${apiPort}`;
    this.staticToken = this.issue(STATIC_CLIENT_ID, Number.POSITIVE_INFINITY);
    return this;
  }

  /** Sets delayMs / lifetimeSeconds / outage. */
  set(settings) {
    Object.assign(this.settings, settings);
  }

  /** Forgets counters and issued tokens (the static token stays valid). */
  reset() {
    this.settings = { delayMs: 0, lifetimeSeconds: 3600, outage: false };
    this.issued.clear();
    this.issued.set(this.staticToken, { clientId: STATIC_CLIENT_ID, expiresAt: Number.POSITIVE_INFINITY });
    for (const counts of [this.tokenRequests, this.outageHits, this.apiCalls, this.expiredPresented]) {
      counts.clear();
    }
    this.tokenRequestTimes.clear();
    this.lastExpiresAt.clear();
    this.unknownPresented = 0;
    this.missingAuthorization = 0;
  }

  /** Token requests of a client received in [from, to) (epoch ms). */
  tokenRequestsBetween(clientId, from, to = Number.POSITIVE_INFINITY) {
    return (this.tokenRequestTimes.get(clientId) ?? []).filter((t) => t >= from && t < to).length;
  }

  counters(clientId) {
    return {
      tokenRequests: this.tokenRequests.get(clientId),
      outageHits: this.outageHits.get(clientId),
      apiCalls: this.apiCalls.get(clientId),
      expiredPresented: this.expiredPresented.get(clientId),
      tokenRequestTimes: [...(this.tokenRequestTimes.get(clientId) ?? [])],
    };
  }

  issue(clientId, expiresAt) {
    const value = randomBytes(24).toString('base64url');
    this.issued.set(value, { clientId, expiresAt });
    return value;
  }

  async handleToken(req, res) {
    if (req.method !== 'POST' || !req.url.startsWith('/token')) return send(res, 404, 'not found');
    const form = new URLSearchParams(await readBody(req));
    let clientId = form.get('client_id');
    let secret = form.get('client_secret');
    const basic = /^Basic (.+)$/i.exec(req.headers.authorization ?? '');
    if (basic) {
      const [id, pass] = Buffer.from(basic[1], 'base64').toString('utf8').split(':');
      clientId = decodeURIComponent(id.replace(/\+/g, ' '));
      secret = decodeURIComponent((pass ?? '').replace(/\+/g, ' '));
    }
    clientId ??= 'unknown';
    const received = Date.now();
    this.tokenRequests.add(clientId);
    if (!this.tokenRequestTimes.has(clientId)) this.tokenRequestTimes.set(clientId, []);
    this.tokenRequestTimes.get(clientId).push(received);
    if (this.settings.outage) {
      this.outageHits.add(clientId);
      return send(res, 503, 'Service Unavailable');
    }
    if (this.settings.delayMs > 0) await sleep(this.settings.delayMs);
    if (secret !== CLIENT_SECRET) return send(res, 401, { error: 'invalid_client' });
    if (form.get('grant_type') !== 'client_credentials')
      return send(res, 400, { error: 'unsupported_grant_type' });
    const lifetime = this.settings.lifetimeSeconds;
    // The token's life starts when it is sent, after the delay: a client that renews in time never presents it expired.
    const expiresAt = Date.now() + lifetime * 1000;
    const value = this.issue(clientId, expiresAt);
    this.lastExpiresAt.set(clientId, expiresAt);
    const body = { access_token: value, token_type: 'Bearer', expires_in: lifetime };
    const scope = form.get('scope');
    if (scope) body.scope = scope;
    return send(res, 200, body, { 'cache-control': 'no-store', pragma: 'no-cache' });
  }

  handleApi(req, res) {
    const match = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '');
    if (!match) {
      this.missingAuthorization += 1;
      return send(res, 401, '', { 'www-authenticate': 'Bearer' });
    }
    const entry = this.issued.get(match[1]);
    if (entry === undefined) {
      this.unknownPresented += 1;
      return send(res, 401, '', { 'www-authenticate': 'Bearer error="invalid_token"' });
    }
    if (Date.now() >= entry.expiresAt) {
      this.expiredPresented.add(entry.clientId);
      return send(res, 401, '', {
        'www-authenticate': 'Bearer error="invalid_token", error_description="The access token expired"',
      });
    }
    this.apiCalls.add(entry.clientId);
    // Drain the (empty) request body before answering, as a real server would.
    req.resume();
    return send(res, 200, [{ id: 1, item: 'Grinder', quantity: 1 }]);
  }

  async close() {
    for (const server of [this.tokenServer, this.apiServer]) {
      server?.closeAllConnections();
      await new Promise((resolve) => server?.close(resolve) ?? resolve());
    }
  }
}
