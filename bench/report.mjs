// Turns results.json into results.md (also printed by run.mjs).
import { CLIENTS } from './clients.mjs';

const COLUMNS = ['ours', 'oursaxios', 'limit', 'nestlimit', 'fetch', 'handrolled', 'badgateway', 'openid'];
const DASH = '—';

function num(value, digits = 0) {
  if (value === null || value === undefined || !Number.isFinite(value)) return DASH;
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** "median [min–max]" (the range only when the repetitions differ at the shown precision). */
function cell(summary, digits = 0, suffix = '') {
  if (!summary || summary.median === null) return DASH;
  const median = num(summary.median, digits);
  const min = num(summary.min, digits);
  const max = num(summary.max, digits);
  if (min === max) return `${median}${suffix}`;
  return `${median}${suffix} [${min}${summary.min < 0 ? ' to ' : '–'}${max}]`;
}

const mib = (bytes) => (bytes === null || bytes === undefined ? null : bytes / 1048576);
const mibSummary = (s) => s && { ...s, median: mib(s.median), min: mib(s.min), max: mib(s.max) };
const signed = (text) => (text.startsWith('-') || text === DASH ? text : `+${text}`);

function table(header, rows) {
  const lines = [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`];
  for (const row of rows) lines.push(`| ${row.join(' | ')} |`);
  return lines.join('\n');
}

function verdict(ok, missedBy) {
  if (ok === null) return DASH;
  return ok ? 'met' : `**missed**${missedBy ? ` (${missedBy})` : ''}`;
}

/** Ours against the goals of issue 6, one line each. */
function goalRows(results) {
  const s = results.scenarios;
  const rows = [];
  const ours = (scenario) => s[scenario]?.summary?.ours;
  if (s.hot) {
    const hot = s.hot.summary;
    // Context for the reader: the same library on plain axios, and @nestjs/axios without the library.
    const context = (field) =>
      [
        hot.oursaxios && `OURS (axios) ${num(hot.oursaxios[field].median, 2)}×`,
        hot.nestlimit && `NEST-LIMIT ${num(hot.nestlimit[field].median, 2)}×`,
      ]
        .filter(Boolean)
        .join(', ');
    const ratio = ours('hot').reqPerSecRatio.median;
    rows.push([
      'Hot path throughput ≥ 0.97× LIMIT',
      `${num(ratio, 2)}× (${context('reqPerSecRatio')})`,
      verdict(ratio >= 0.97, `by ${num(0.97 - ratio, 2)}×`),
    ]);
    const p99 = ours('hot').p99Ratio.median;
    rows.push([
      'Hot path p99 ≤ 1.05× LIMIT',
      `${num(p99, 2)}× (${context('p99Ratio')})`,
      verdict(p99 <= 1.05, `by ${num(p99 - 1.05, 2)}×`),
    ]);
  }
  if (s.stampede) {
    const n = ours('stampede').tokenRequests.median;
    rows.push([
      'Cold stampede: 1 token request for 1,000 calls',
      num(n),
      verdict(n === 1, `${num(n - 1)} extra`),
    ]);
  }
  if (s.rollover) {
    const r = ours('rollover');
    rows.push([
      'Rollover: 0 calls slower than 250 ms',
      num(r.slow.median),
      verdict(r.slow.median === 0, `${num(r.slow.median)} slow calls`),
    ]);
    rows.push([
      'Rollover: ≤ 5 token requests',
      num(r.tokenRequests.median),
      verdict(r.tokenRequests.median <= 5, `by ${num(r.tokenRequests.median - 5)}`),
    ]);
    rows.push([
      'Rollover: 0 expired tokens presented',
      num(r.expiredPresented.median),
      verdict(r.expiredPresented.median === 0, `${num(r.expiredPresented.median)}`),
    ]);
  }
  if (s.outage) {
    const o = ours('outage');
    rows.push([
      'Outage: no call fails while the token is valid',
      `${num(o.failedWhileValid.median)} failed while valid`,
      verdict(o.failedWhileValid.median === 0, `${num(o.failedWhileValid.median)} calls`),
    ]);
    rows.push([
      'Outage: ≤ 8 token endpoint hits in the 10 s',
      num(o.outageHits.median),
      verdict(o.outageHits.median <= 8, `by ${num(o.outageHits.median - 8)}`),
    ]);
    // A run without any success after the outage counts as infinitely slow.
    const runs = o.failed.n;
    const recoveries = [...o.recoveryMs.values]
      .map((v) => v ?? Number.POSITIVE_INFINITY)
      .sort((a, b) => a - b);
    const rec = recoveries.length ? recoveries[Math.floor((recoveries.length - 1) / 2)] : null;
    const none = recoveries.filter((v) => v === Number.POSITIVE_INFINITY).length;
    rows.push([
      'Outage: first success within 1 s of recovery',
      `${cell(o.recoveryMs, 0, ' ms')}${none ? ` (no success in ${none} of ${runs} runs)` : ''}`,
      verdict(rec !== null && rec <= 1000, Number.isFinite(rec) ? `by ${num(rec - 1000)} ms` : 'no success'),
    ]);
  }
  if (s.fleet) {
    for (const [size, f] of Object.entries(s.fleet.summary)) {
      if (f.shared.unavailable) {
        rows.push([
          `Fleet of ${size}: ≤ 1.1 token requests per lifetime`,
          f.shared.unavailable,
          'waits on issue 3',
        ]);
      } else {
        const v = f.shared.perLifetime.median;
        rows.push([
          `Fleet of ${size}: ≤ 1.1 token requests per lifetime`,
          num(v, 2),
          verdict(v <= 1.1, `by ${num(v - 1.1, 2)}`),
        ]);
      }
    }
  }
  if (s.memory) {
    const m = s.memory.summary.ours;
    const delta = m.lookupHeapDelta.median;
    rows.push([
      `Memory flat over ${num(m.lookupCalls.median)} calls (heap after GC grows < 1 MiB)`,
      `${signed(num(mib(delta), 2))} MiB`,
      verdict(delta < 1048576, `${num(mib(delta), 1)} MiB`),
    ]);
  }
  return rows;
}

function sideBySide(results) {
  const s = results.scenarios;
  const rows = [];
  const row = (label, scenario, render) => {
    const summary = s[scenario]?.summary;
    if (!summary) return;
    rows.push([label, ...COLUMNS.map((c) => (summary[c] ? render(summary[c]) : DASH))]);
  };
  if (s.hot) {
    const p = s.hot.params;
    const at = `${num(p.calls)} calls at concurrency ${p.concurrency}`;
    row(`**Hot path** (${at}): req/s`, 'hot', (c) => cell(c.reqPerSec));
    row('Hot path: req/s ratio to LIMIT', 'hot', (c) => cell(c.reqPerSecRatio, 2, '×'));
    row('Hot path: p50 ms', 'hot', (c) => cell(c.p50Ms, 1));
    row('Hot path: p99 ms', 'hot', (c) => cell(c.p99Ms, 1));
    row('Hot path: p99 ratio to LIMIT', 'hot', (c) => cell(c.p99Ratio, 2, '×'));
    row('Hot path: client CPU µs per call', 'hot', (c) => cell(c.cpuUsPerCall));
  }
  if (s.stampede) {
    const n = num(s.stampede.params.calls);
    row(`**Cold stampede** (${n} concurrent first calls): token requests`, 'stampede', (c) =>
      cell(c.tokenRequests),
    );
    row('Cold stampede: failed calls', 'stampede', (c) => cell(c.failed));
    row(`Cold stampede: ms until all ${n} answered`, 'stampede', (c) => cell(c.elapsedMs));
  }
  if (s.rollover) {
    const p = s.rollover.params;
    row(
      `**Rollover** (${p.delayMs} ms token endpoint, ${p.lifetimeSeconds} s tokens, ${p.count} calls in ${p.durationMs / 1000} s): p50 / p99 / max ms`,
      'rollover',
      (c) => `${num(c.p50Ms.median, 1)} / ${num(c.p99Ms.median)} / ${num(c.maxMs.median)}`,
    );
    row(`Rollover: calls > ${p.slowMs} ms`, 'rollover', (c) => cell(c.slow));
    row('Rollover: token requests', 'rollover', (c) => cell(c.tokenRequests));
    row('Rollover: expired tokens presented to the API', 'rollover', (c) => cell(c.expiredPresented));
  }
  if (s.outage) {
    const p = s.outage.params;
    row(
      `**Outage** (${p.lifetimeSeconds} s token fetched at its start, ${p.outageMs / 1000} s down, ${1000 / p.intervalMs} calls/s, ${p.count} calls): failed calls`,
      'outage',
      (c) => cell(c.failed),
    );
    row('Outage: of which while the token was still valid', 'outage', (c) => cell(c.failedWhileValid));
    row('Outage: of which after the token endpoint was back', 'outage', (c) => cell(c.failedAfter));
    row('Outage: first failure, s after the outage began', 'outage', (c) => cell(c.firstFailureS, 2));
    row('Outage: token endpoint hits during the outage', 'outage', (c) => cell(c.outageHits));
    row('Outage: first success after it ended, ms', 'outage', (c) =>
      c.recoveryMs.n < c.failed.n
        ? `${cell(c.recoveryMs)}; none in ${c.failed.n - c.recoveryMs.n} run(s)`
        : cell(c.recoveryMs),
    );
  }
  return rows;
}

export function renderMarkdown(results) {
  const { meta, scenarios: s } = results;
  const out = [];
  out.push('# Benchmark results', '');
  out.push(
    `${meta.mode === 'quick' ? 'Quick' : 'Full'} run, ${results.params.reps} repetition(s), ${meta.date.slice(0, 16).replace('T', ' ')} UTC, ` +
      `${Math.round(meta.seconds)} s. Machine: ${meta.cpu}, ${meta.cores} cores, ${meta.memoryGiB} GiB, ${meta.os}, Node ${meta.node}. ` +
      `Library built from commit ${meta.commit ?? '?'}${meta.libraryModified ? ' with uncommitted changes in libs/' : ''}. ` +
      `Load average (1 min) ${meta.loadAverage?.start?.[0] ?? '?'} at the start, ${meta.loadAverage?.end?.[0] ?? '?'} at the end.`,
    '',
    'Medians over the repetitions, with [min–max] when they differ. Every client runs in a fresh process; the token ' +
      'server and the API are node:http servers on loopback in the orchestrator process, on the same cores. ' +
      '`npm run bench` (full) or `npm run bench:quick`; the parameters are in `bench/run.mjs`.',
    '',
  );
  out.push('## Against the goals (OURS)', '');
  out.push(table(['goal', 'OURS', 'verdict'], goalRows(results)), '');

  const sbs = sideBySide(results);
  if (sbs.length) {
    out.push('## Side by side', '');
    out.push(table(['scenario', ...COLUMNS.map((c) => CLIENTS[c].label)], sbs), '');
  }

  if (s.lookup) {
    const l = s.lookup.summary;
    out.push('## Token lookup (`AccessTokenManager.getAccessToken`, cache hit)', '');
    const line = (name, v) =>
      v.unavailable
        ? [name, v.unavailable, DASH, DASH]
        : [name, cell(v.sequential), cell(v.concurrent), cell(v.sequentialUs, 2)];
    out.push(
      table(
        ['store', 'hits/s, one caller', 'hits/s, 32 concurrent callers', 'µs per hit, one caller'],
        [line('in-process (default)', l.inProcess), line('Redis-backed shared store', l.redis)],
      ),
      '',
    );
  }

  if (s.fleet) {
    const p = s.fleet.params;
    out.push(
      `## Fleet (${p.lifetimes} token lifetimes of ${p.lifetimeSeconds} s, a call every ${p.intervalMs} ms per process)`,
      '',
    );
    out.push(
      `Token requests per token lifetime for the whole fleet. Renewal ${p.refreshBeforeExpirySeconds} s before expiry, ` +
        `so a single instance alone makes ${num(p.singleInstanceIdeal, 2)} per lifetime.`,
      '',
    );
    const rows = Object.entries(s.fleet.summary).map(([size, f]) => [
      size,
      f.shared.unavailable ?? cell(f.shared.perLifetime, 2),
      f.shared.unavailable ? DASH : `${cell(f.shared.duplicates)} / ${cell(f.shared.failed)}`,
      cell(f.perProcess.perLifetime, 2),
      cell(f.perProcess.failed),
    ]);
    out.push(
      table(
        [
          'processes',
          'OURS, shared store (Redis)',
          'shared: duplicate requests / failed calls',
          'OURS, per-process cache',
          'per-process: failed calls',
        ],
        rows,
      ),
      '',
      'A duplicate is a token request less than a third of a lifetime after the previous one: two instances renewing ' +
        'the same token.',
      '',
    );
  }

  if (s.memory) {
    const m = s.memory.summary;
    const o = m.ours;
    out.push('## Memory (OURS; heap after a forced GC)', '');
    out.push(
      table(
        ['measure', 'value'],
        [
          [
            `heap before → after ${num(o.lookupCalls.median)} \`getAccessToken\` calls`,
            `${num(mib(o.lookupHeapBefore.median), 1)} → ${num(mib(o.lookupHeapAfter.median), 1)} MiB (${signed(cell(mibSummary(o.lookupHeapDelta), 2))} MiB)`,
          ],
          [
            'RSS before → after',
            `${num(mib(o.lookupRssBefore.median), 1)} → ${num(mib(o.lookupRssAfter.median), 1)} MiB`,
          ],
          [
            `${num(o.keys.median)} distinct cache keys (scopes)`,
            `${signed(cell(mibSummary(o.keysHeapDelta), 1))} MiB heap, ${cell(o.bytesPerKey)} bytes per key; RSS ${signed(cell(mibSummary(o.keysRssDelta), 1))} MiB`,
          ],
          [
            `heap change over ${num(o.httpCalls.median)} HTTP calls, OURS (named HttpService)`,
            `${signed(cell(mibSummary(o.httpHeapDelta), 2))} MiB`,
          ],
          [
            `heap change over ${num(m.limit.httpCalls.median)} HTTP calls, LIMIT (plain axios)`,
            `${signed(cell(mibSummary(m.limit.httpHeapDelta), 2))} MiB`,
          ],
        ],
      ),
      '',
    );
  }

  if (s.rollover) out.push('## Call latency across token rollovers', '', '![rollover](rollover.svg)', '');

  out.push('## Clients', '');
  for (const c of COLUMNS) out.push(`- **${CLIENTS[c].label}**: ${CLIENTS[c].what}`);
  out.push('');
  return out.join('\n');
}
