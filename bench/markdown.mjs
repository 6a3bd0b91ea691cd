// Number formats and Markdown tables shared by the scenarios' report parts and report.mjs.

export const DASH = '—';

/** A number in en-US format with `digits` decimals, or a dash when there is none. */
export function num(value, digits = 0) {
  if (value === null || value === undefined || !Number.isFinite(value)) return DASH;
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** "median [min–max]" (the range only when the repetitions differ at the shown precision). */
export function cell(summary, digits = 0, suffix = '') {
  if (!summary || summary.median === null) return DASH;
  const median = num(summary.median, digits);
  const min = num(summary.min, digits);
  const max = num(summary.max, digits);
  if (min === max) return `${median}${suffix}`;
  return `${median}${suffix} [${min}${summary.min < 0 ? ' to ' : '–'}${max}]`;
}

export const mib = (bytes) => (bytes === null || bytes === undefined ? null : bytes / 1048576);
export const mibSummary = (s) => s && { ...s, median: mib(s.median), min: mib(s.min), max: mib(s.max) };
export const signed = (text) => (text.startsWith('-') || text === DASH ? text : `+${text}`);

export function table(header, rows) {
  const lines = [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`];
  for (const row of rows) lines.push(`| ${row.join(' | ')} |`);
  return lines.join('\n');
}

/** A goal row's verdict: met, or missed and by how much. */
export function verdict(ok, missedBy) {
  if (ok === null) return DASH;
  return ok ? 'met' : `**missed**${missedBy ? ` (${missedBy})` : ''}`;
}
