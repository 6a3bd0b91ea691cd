// Turns the results into results.md (also printed by run.mjs): a header, then each scenario's parts (scenarios/).
import { CLIENTS } from './clients.mjs';
import { DASH, table } from './markdown.mjs';
import { SCENARIOS } from './scenarios/index.mjs';

const COLUMNS = [
  'ours',
  'oursaxios',
  'oursfetch',
  'limit',
  'nestlimit',
  'fetch',
  'controla',
  'controlb',
  'handrolled',
  'badgateway',
  'openid',
];

/** The scenarios that ran, in report order, each with its result and its report parts. */
function ran(results) {
  return Object.entries(SCENARIOS)
    .filter(([name]) => results.scenarios[name])
    .map(([name, scenario]) => ({ result: results.scenarios[name], report: scenario.report }));
}

function header(results) {
  const { meta } = results;
  return [
    '# Benchmark results',
    '',
    `${meta.mode === 'quick' ? 'Quick' : 'Full'} run, ${results.params.reps} repetition(s), ${meta.date.slice(0, 16).replace('T', ' ')} UTC, ` +
      `${Math.round(meta.seconds)} s. Machine: ${meta.cpu}, ${meta.cores} cores, ${meta.memoryGiB} GiB, ${meta.os}, Node ${meta.node}. ` +
      `Library built from commit ${meta.commit ?? '?'}${meta.libraryModified ? ' with uncommitted changes in libs/' : ''}. ` +
      `Load average (1 min) ${meta.loadAverage?.start?.[0] ?? '?'} at the start, ${meta.loadAverage?.end?.[0] ?? '?'} at the end.`,
    '',
    'Medians over the repetitions, with [min–max] when they differ. Every client runs in a fresh process; the token ' +
      'server and the API are node:http servers on loopback in the orchestrator process, on the same cores. ' +
      '`npm run bench` (full) or `npm run bench:quick`; the parameters are in `bench/scenarios/`.',
    '',
  ];
}

/** One row per line a scenario contributes, one column per client (a dash where the client did not run it). */
function sideBySide(scenarios) {
  return scenarios.flatMap(({ result, report }) =>
    (report.sideBySide?.(result) ?? []).map(([label, render]) => [
      label,
      ...COLUMNS.map((c) => (result.summary[c] ? render(result.summary[c]) : DASH)),
    ]),
  );
}

export function renderMarkdown(results) {
  const scenarios = ran(results);
  const out = header(results);
  out.push('## Against the goals (OURS)', '');
  const goals = scenarios.flatMap(({ result, report }) => report.goals?.(result) ?? []);
  out.push(table(['goal', 'OURS', 'verdict'], goals), '');

  const rows = sideBySide(scenarios);
  if (rows.length) {
    out.push('## Side by side', '');
    out.push(table(['scenario', ...COLUMNS.map((c) => CLIENTS[c].label)], rows), '');
  }
  // Each scenario's own tables, then the charts.
  for (const { result, report } of scenarios) out.push(...(report.section?.(result) ?? []));
  for (const { result, report } of scenarios) out.push(...(report.figure?.(result) ?? []));

  out.push('## Clients', '');
  for (const c of COLUMNS) out.push(`- **${CLIENTS[c].label}**: ${CLIENTS[c].what}`);
  out.push('');
  return out.join('\n');
}

/** Files beside results.md that the scenarios that ran draw (e.g. rollover.svg), by file name. */
export function renderFiles(results) {
  return Object.assign({}, ...ran(results).map(({ result, report }) => report.files?.(result) ?? {}));
}
