/**
 * One header of an axios response or request: through `get` when the headers are an `AxiosHeaders` (of any axios
 * copy, hence no `instanceof`), else by its lower-case name.
 */
export function headerValue(headers: unknown, name: string): unknown {
  if (headers === null || typeof headers !== 'object') return undefined;
  const { get } = headers as { get?: unknown };
  if (typeof get === 'function') return (get as (name: string) => unknown).call(headers, name) ?? undefined;
  return (headers as Record<string, unknown>)[name.toLowerCase()];
}
