// The library's own CPU per call on the hot path, without the network: each of its clients and its fixed-header
// baseline send through a transport that answers at once (no socket), in one process, round after round; the minimum
// per client over the rounds. The hot path's req/s ratios cannot resolve a cost this small (a loopback call costs the
// client 150-700 µs of CPU, and two identical clients differ by several percent); this figure can.
import { Buffer } from 'node:buffer';
import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import { runTask } from '../child.mjs';
import { LIB_URL, coreUrl, oursEnv } from '../clients.mjs';
import { DASH, cell, num, table } from '../markdown.mjs';
import { clientConfig } from '../scenario-context.mjs';
import { summarize } from '../stats.mjs';

const FULL = { rounds: 15, fetchCalls: 50_000, axiosCalls: 10_000 };
export const params = { full: FULL, quick: { ...FULL, rounds: 5 } };

/** The library's clients, each with its baseline (as in the hot path). */
const PAIRS = [
  { client: 'ours', label: 'OURS (named `HttpService`)', baseline: 'NEST-LIMIT', calls: 'axiosCalls' },
  { client: 'oursaxios', label: 'OURS (axios)', baseline: 'LIMIT', calls: 'axiosCalls' },
  { client: 'oursfetch', label: 'OURS (fetch)', baseline: 'FETCH', calls: 'fetchCalls' },
];

export async function run(ctx) {
  const { servers, params: all } = ctx;
  const reps = [];
  for (let rep = 0; rep < all.reps; rep += 1) {
    servers.reset();
    reps.push(
      await runTask(
        { scenario: 'overhead', config: clientConfig(servers, 'overhead'), ...all.overhead },
        300_000,
      ),
    );
  }
  const summary = {};
  for (const { client } of PAIRS) {
    summary[client] = {
      baselineUs: summarize(reps.map((r) => r[client].baselineUs)),
      libraryUs: summarize(reps.map((r) => r[client].libraryUs)),
      addedUs: summarize(reps.map((r) => r[client].libraryUs - r[client].baselineUs)),
    };
  }
  return { params: all.overhead, reps, summary };
}

const BODY = Buffer.from('[{"id":"1","item":"Grinder"}]');

/**
 * A transport for axios' `http` adapter (its `transport` setting) that answers every request at once with a 200
 * and a small JSON body: the adapter, its headers and its response stream run as they do on a socket.
 */
const answeringTransport = {
  request(_options, onResponse) {
    const request = new EventEmitter();
    request.end = () => {
      globalThis.queueMicrotask(() => {
        const response = Readable.from([BODY]);
        response.statusCode = 200;
        response.statusMessage = 'OK';
        response.headers = { 'content-type': 'application/json' };
        onResponse(response);
      });
    };
    request.write = () => true;
    request.destroy = () => request;
    request.setTimeout = () => request;
    return request;
  },
};

/** A `fetch` that answers at once with a 200 and a JSON body. */
const answeringFetch = () =>
  Promise.resolve(
    new globalThis.Response(BODY, { status: 200, headers: { 'content-type': 'application/json' } }),
  );

/** In the worker: the six clients, built here (not by clients.mjs: they must send through the answering transports). */
export async function work(_client, { config, rounds, fetchCalls, axiosCalls }) {
  await import('reflect-metadata');
  const { default: axios } = await import('axios');
  const { Module } = await import('@nestjs/common');
  const { NestFactory } = await import('@nestjs/core');
  const { HttpModule, HttpService } = await import('@nestjs/axios');
  const { firstValueFrom } = await import('rxjs');
  const lib = await import(LIB_URL.href);
  const core = await import(coreUrl().href);
  const headers = { Authorization: `Bearer ${config.staticToken}` };
  const env = oursEnv(config);

  class LimitModule {}
  Module({
    imports: [HttpModule.register({ baseURL: config.apiBase, headers, transport: answeringTransport })],
  })(LimitModule);
  const limitApp = await NestFactory.createApplicationContext(LimitModule, { logger: false });
  const nestLimit = limitApp.get(HttpService);
  class OursModule {}
  Module({
    imports: [
      lib.AccessTokenModule.forRoot({ ...lib.accessTokenOptionsFromEnv(env), isGlobal: true }),
      lib.AccessTokenModule.forFeature([{ name: 'bench', transport: answeringTransport }]),
    ],
  })(OursModule);
  const oursApp = await NestFactory.createApplicationContext(OursModule, { logger: false });
  const ours = oursApp.get(lib.getHttpServiceToken('bench'));

  const manager = new core.AccessTokenManager(core.accessTokenOptionsFromEnv(env));
  const limit = axios.create({ baseURL: config.apiBase, headers, transport: answeringTransport });
  const oursAxios = axios.create({ baseURL: config.apiBase, transport: answeringTransport });
  core.attachAccessToken(oursAxios, manager, 'bench');
  const url = `${config.apiBase}/orders`;
  const authorizedFetch = core.createAuthorizedFetch(manager, 'bench', { fetch: answeringFetch });
  const fetchInit = { headers };

  // Each call reads its answer's body, as the hot path's clients do.
  const calls = {
    ours: [() => firstValueFrom(nestLimit.get('/orders')), () => firstValueFrom(ours.get('/orders'))],
    oursaxios: [() => limit.get('/orders'), () => oursAxios.get('/orders')],
    oursfetch: [
      () => answeringFetch(url, fetchInit).then((r) => r.json()),
      () => authorizedFetch(url).then((r) => r.json()),
    ],
  };
  const sizes = { ours: axiosCalls, oursaxios: axiosCalls, oursfetch: fetchCalls };
  // One call each first: the token is cached, and an answer that is not the expected one fails the run here.
  for (const [baseline, library] of Object.values(calls)) {
    for (const call of [baseline, library]) {
      const answer = await call();
      const data = answer?.data ?? answer;
      if (!Array.isArray(data) || data.length !== 1) throw new Error('unexpected answer from a bench client');
    }
  }
  const loop = async (call, n) => {
    const begin = performance.now();
    for (let i = 0; i < n; i += 1) await call();
    return ((performance.now() - begin) * 1000) / n;
  };
  const result = {};
  for (const [client, [baseline, library]] of Object.entries(calls)) {
    const times = { baselineUs: [], libraryUs: [] };
    for (let round = 0; round < rounds; round += 1) {
      // Which goes first alternates: neither always runs on the other's garbage.
      const order = round % 2 === 0 ? ['baselineUs', 'libraryUs'] : ['libraryUs', 'baselineUs'];
      for (const which of order) {
        times[which].push(await loop(which === 'baselineUs' ? baseline : library, sizes[client]));
      }
    }
    result[client] = { baselineUs: Math.min(...times.baselineUs), libraryUs: Math.min(...times.libraryUs) };
  }
  await Promise.all([limitApp.close(), oursApp.close(), manager.close()]);
  return result;
}

export const report = {
  goals({ summary }) {
    // Not a goal of its own: what the req/s ratios above are made of, measured finely enough to see it.
    return PAIRS.map(({ client, label, baseline }) => [
      `Library's own CPU per call, ${label} over ${baseline} (answering transport, no socket; not a goal)`,
      `${cell(summary[client].addedUs, 2, ' µs')}`,
      DASH,
    ]);
  },
  section({ params: p, summary }) {
    return [
      "## The library's own cost per call (no network)",
      '',
      `Each client sends through a transport that answers at once (axios' \`http\` adapter with a \`transport\` that ` +
        `opens no socket; a \`fetch\` that resolves a \`Response\`), one call at a time, ${num(p.rounds)} rounds ` +
        `of ${num(p.axiosCalls)} (axios) or ${num(p.fetchCalls)} (fetch) calls; the minimum per client over the ` +
        'rounds, then the median over the repetitions. The difference is what the library adds to a call on a ' +
        'cache hit; a call over loopback costs the client 100–300 times as much CPU (the hot path above).',
      '',
      table(
        ['client', 'baseline', 'baseline µs per call', 'library µs per call', 'added µs per call'],
        PAIRS.map(({ client, label, baseline }) => [
          label,
          baseline,
          cell(summary[client].baselineUs, 2),
          cell(summary[client].libraryUs, 2),
          cell(summary[client].addedUs, 2),
        ]),
      ),
      '',
    ];
  },
};
