// A hand-written SVG chart of the rollover scenario: one panel per client, each call's latency (log scale) at the time
// it started, the 250 ms line, and the moments the client asked the token endpoint for a token.
import { CLIENTS } from '../clients.mjs';

const COLORS = {
  ours: '#1b7f3b',
  handrolled: '#b35900',
  badgateway: '#6a3d9a',
  openid: '#1f5fa8',
  limit: '#555555',
};
const ORDER = ['ours', 'handrolled', 'badgateway', 'openid', 'limit'];

const escape = (text) =>
  String(text).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
const fixed = (n) => Math.round(n * 10) / 10;

/** The repetition whose count of slow calls is the median one: a typical run, not the best or the worst. */
function typicalRep(reps) {
  const sorted = [...reps].sort((a, b) => a.slow - b.slow);
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

/** The chart of one rollover result (its params and per-client repetitions). */
export function rolloverSvg(scenario) {
  const p = scenario.params;
  const clients = ORDER.filter((c) => scenario.reps[c]?.length);
  const width = 960;
  const left = 150;
  const right = 24;
  const top = 72;
  const panel = 96;
  const gap = 16;
  const bottom = 44;
  const height = top + clients.length * (panel + gap) - gap + bottom;
  const plotWidth = width - left - right;
  const maxT = p.durationMs;
  const yMin = 0.5;
  const yMax = 2000;
  const x = (t) => left + (Math.min(Math.max(t, 0), maxT) / maxT) * plotWidth;
  const y = (ms, y0) => {
    const v = Math.min(Math.max(ms, yMin), yMax);
    return y0 + panel - ((Math.log10(v) - Math.log10(yMin)) / (Math.log10(yMax) - Math.log10(yMin))) * panel;
  };

  const parts = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ` +
      `font-family="system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${left}" y="22" font-size="15" font-weight="600">Call latency across token rollovers</text>`,
    `<text x="${left}" y="40" fill="#444">${escape(
      `${p.lifetimeSeconds} s tokens, token endpoint answers in ${p.delayMs} ms, one call every ${p.intervalMs} ms ` +
        `for ${p.durationMs / 1000} s; each dot is one call (log scale), a typical repetition.`,
    )}</text>`,
    `<text x="${left}" y="56" fill="#444">${escape(
      `Black ticks at the top: token requests. Dashed red line: ${p.slowMs} ms. Red cross: failed call.`,
    )}</text>`,
  );

  clients.forEach((client, index) => {
    const rep = typicalRep(scenario.reps[client]);
    const y0 = top + index * (panel + gap);
    const color = COLORS[client] ?? '#333';
    parts.push(`<g>`);
    parts.push(
      `<rect x="${left}" y="${y0}" width="${plotWidth}" height="${panel}" fill="#fafafa" stroke="#ddd"/>`,
    );
    for (const ms of [1, 10, 100, 1000]) {
      const gy = fixed(y(ms, y0));
      parts.push(
        `<line x1="${left}" x2="${left + plotWidth}" y1="${gy}" y2="${gy}" stroke="#e6e6e6"/>`,
        `<text x="${left - 6}" y="${gy + 4}" text-anchor="end" fill="#777" font-size="10">${ms >= 1000 ? '1 s' : `${ms} ms`}</text>`,
      );
    }
    const sy = fixed(y(p.slowMs, y0));
    parts.push(
      `<line x1="${left}" x2="${left + plotWidth}" y1="${sy}" y2="${sy}" stroke="#d33" stroke-dasharray="4 3"/>`,
    );
    for (const t of rep.tokenRequestTimes ?? []) {
      const tx = fixed(x(t));
      parts.push(`<line x1="${tx}" x2="${tx}" y1="${y0}" y2="${y0 + 7}" stroke="#000" stroke-width="1.2"/>`);
    }
    for (const r of rep.records) {
      const cx = fixed(x(r.t));
      if (!r.ok) {
        const cy = fixed(y(r.ms ?? yMax, y0));
        parts.push(
          `<path d="M${cx - 3} ${cy - 3}L${cx + 3} ${cy + 3}M${cx - 3} ${cy + 3}L${cx + 3} ${cy - 3}" stroke="#d00" stroke-width="1.4"/>`,
        );
      } else {
        parts.push(`<circle cx="${cx}" cy="${fixed(y(r.ms, y0))}" r="1.8" fill="${color}"/>`);
      }
    }
    parts.push(
      `<text x="8" y="${y0 + 18}" font-weight="600" fill="${color}">${escape(CLIENTS[client]?.label ?? client)}</text>`,
      `<text x="8" y="${y0 + 36}" fill="#444" font-size="11">${escape(`${rep.slow} calls > ${p.slowMs} ms`)}</text>`,
      `<text x="8" y="${y0 + 52}" fill="#444" font-size="11">${escape(`${rep.tokenRequests} token requests`)}</text>`,
      `<text x="8" y="${y0 + 68}" fill="#444" font-size="11">${escape(`${rep.expiredPresented} expired sent`)}</text>`,
      `<text x="8" y="${y0 + 84}" fill="#444" font-size="11">${escape(`max ${Math.round(rep.maxMs ?? 0)} ms`)}</text>`,
      `</g>`,
    );
  });

  const axisY = top + clients.length * (panel + gap) - gap;
  for (let s = 0; s <= maxT / 1000; s += 1) {
    const tx = fixed(x(s * 1000));
    parts.push(
      `<line x1="${tx}" x2="${tx}" y1="${axisY}" y2="${axisY + 5}" stroke="#777"/>`,
      `<text x="${tx}" y="${axisY + 18}" text-anchor="middle" fill="#555" font-size="10">${s} s</text>`,
    );
  }
  parts.push(
    `<text x="${left + plotWidth / 2}" y="${axisY + 36}" text-anchor="middle" fill="#444">time since the start of the run (call start)</text>`,
    `</svg>`,
  );
  return `${parts.join('\n')}\n`;
}
