import type { AxiosAdapter, AxiosRequestConfig, InternalAxiosRequestConfig } from 'axios';
import { axiosModule } from './axios-module.js';

/** The adapters axios ships for Node, whose redirect handling the interceptor knows how to keep credentials out of. */
export type KnownAdapter = 'http' | 'fetch';

export interface ResolvedAdapter {
  /** `undefined` for an adapter of the user's own (or `xhr`): what it does on a redirect cannot be told. */
  kind: KnownAdapter | undefined;
  send: AxiosAdapter;
}

// axios >= 1.12 resolves the fetch adapter for the config's `env` (its second argument); older ones ignore it.
type GetAdapter = (
  adapters: AxiosRequestConfig['adapter'],
  config?: InternalAxiosRequestConfig,
) => AxiosAdapter;

/** axios' adapter lookup; used from an authorized adapter, which has loaded axios before its first request. */
const getAdapter: GetAdapter = (adapters, config) =>
  (axiosModule().default.getAdapter as GetAdapter)(adapters, config);

/** The adapter axios would dispatch `config` with, given its `adapter` setting (a name, a list, a function). */
export function adapterOf(
  adapter: AxiosRequestConfig['adapter'],
  config: InternalAxiosRequestConfig,
): AxiosAdapter {
  return getAdapter(adapter, config);
}

/** The same, and which of axios' own adapters it is. */
export function resolveAdapter(
  adapter: AxiosRequestConfig['adapter'],
  config: InternalAxiosRequestConfig,
): ResolvedAdapter {
  const send = getAdapter(adapter, config);
  let kind = knownKinds.get(send);
  if (kind === undefined) {
    kind = (['http', 'fetch'] as const).find((name) => knownAdapter(name, config) === send);
    if (kind !== undefined) knownKinds.set(send, kind);
  }
  return { kind, send };
}

/**
 * Adapter functions found to be axios' own: `http` is one function, and `fetch` one per fetch environment, so a
 * function found to be one stays one. Other functions are asked about again (they are refused for credentials).
 */
const knownKinds = new WeakMap<AxiosAdapter, KnownAdapter>();

function knownAdapter(name: KnownAdapter, config: InternalAxiosRequestConfig): AxiosAdapter | undefined {
  try {
    return getAdapter(name, config);
  } catch {
    return undefined; // not available in this environment
  }
}
