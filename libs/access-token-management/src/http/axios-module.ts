import type * as Axios from 'axios';
import type { AxiosError } from 'axios';

type AxiosModule = typeof Axios;

let loaded: AxiosModule | undefined;
let loading: Promise<AxiosModule> | undefined;

/**
 * The axios this package resolves, loaded on first use rather than at import: a process that uses only the authorized
 * fetch (or only the manager) never loads it, and so holds a smaller heap, which every garbage collection walks.
 * `attachAccessToken` starts the load; an authorized adapter waits for it before its first request only.
 */
export function loadAxios(): Promise<AxiosModule> {
  return (loading ??= import('axios').then((module) => (loaded = module)));
}

/** The loaded axios, or `undefined` before `loadAxios` has resolved. */
export function loadedAxios(): AxiosModule | undefined {
  return loaded;
}

/**
 * The loaded axios, for code that runs only once an authorized adapter has it (its requests, their answers).
 * @throws Error when called before (a bug of this package, not of its user)
 */
export function axiosModule(): AxiosModule {
  if (loaded === undefined) throw new Error('axios is used before it was loaded');
  return loaded;
}

/** Headers made by the loaded axios' `AxiosHeaders` (whose layout the hot path relies on); not those of another copy. */
export function isOwnAxiosHeaders(headers: unknown): boolean {
  return loaded !== undefined && headers instanceof loaded.AxiosHeaders;
}

/** axios' own test (`isAxiosError`), by its marker: true for errors of any axios copy, without loading one. */
export function isAxiosError(error: unknown): error is AxiosError {
  return (
    typeof error === 'object' && error !== null && (error as { isAxiosError?: unknown }).isAxiosError === true
  );
}
