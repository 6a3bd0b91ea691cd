// Small statistics helpers shared by the orchestrator and the report.

/** Median (the mean of the two middle values for an even count), min and max of the finite numbers given. */
export function summarize(values) {
  const finite = values.filter((v) => typeof v === 'number' && Number.isFinite(v)).sort((a, b) => a - b);
  if (finite.length === 0) return { median: null, min: null, max: null, n: 0, values };
  const mid = Math.floor(finite.length / 2);
  const median = finite.length % 2 === 1 ? finite[mid] : (finite[mid - 1] + finite[mid]) / 2;
  return { median, min: finite[0], max: finite[finite.length - 1], n: finite.length, values };
}

/** The p-th percentile (nearest rank) of an ascending array. */
export function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index];
}

/** Summaries of every numeric field over a list of per-repetition objects. */
export function summarizeReps(reps, fields) {
  const out = {};
  for (const field of fields) out[field] = summarize(reps.map((rep) => rep?.[field]));
  return out;
}

/** Least-squares slope of y over x. */
export function slope(points) {
  const n = points.length;
  if (n < 2) return null;
  const mx = points.reduce((a, p) => a + p.x, 0) / n;
  const my = points.reduce((a, p) => a + p.y, 0) / n;
  const sxy = points.reduce((a, p) => a + (p.x - mx) * (p.y - my), 0);
  const sxx = points.reduce((a, p) => a + (p.x - mx) ** 2, 0);
  return sxx === 0 ? null : sxy / sxx;
}
