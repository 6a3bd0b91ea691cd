/**
 * The env readers the three sample apps share: each reads one variable, falls back to a default when it is unset,
 * and throws a message naming the variable (never its value) when it is malformed.
 */

import { isIP } from 'node:net';

/** An environment: `process.env`, after the `.env` files were loaded, or a test's own. */
export type Env = Readonly<Record<string, string | undefined>>;

/** Reads a file named by an env variable; tests pass their own. */
export type FileReader = (path: string) => string;

/** A sample app is reachable from this machine only, unless its host variable opens it up. */
export const DEFAULT_HOST = '127.0.0.1';

/** Dot-separated labels of letters, digits and hyphens. */
const HOST_NAME = /^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*$/;

/** The trimmed value; blank counts as unset, so `FOO=` in a `.env` file falls back to the default like a missing line. */
export function readOptional(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

/** A TCP port (1-65535), `fallback` when unset. */
export function readPort(env: Env, name: string, fallback: number): number {
  const raw = readOptional(env, name);
  if (raw === undefined) return fallback;
  const port = Number(raw);
  if (!/^\d+$/.test(raw) || port < 1 || port > 65535)
    throw new Error(`${name} must be a port number (1-65535)`);
  return port;
}

/** A host name or IP address to listen on, e.g. `0.0.0.0` (every IPv4 interface) or `::`; loopback when unset. */
export function readHost(env: Env, name: string): string {
  const value = readOptional(env, name) ?? DEFAULT_HOST;
  if (isIP(value) === 0 && !HOST_NAME.test(value)) {
    throw new Error(`${name} must be a host name or an IP address (e.g. 127.0.0.1, 0.0.0.0, ::)`);
  }
  return value;
}

/** A positive safe integer, `undefined` when unset. */
export function readPositiveInteger(env: Env, name: string): number | undefined {
  const raw = readOptional(env, name);
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(value) || value <= 0) {
    throw new Error(`${name} must be a positive integer`);
  }
  return value;
}

/** The content of the file an env variable names, `undefined` when unset; the message names the variable. */
export function readFileVariable(env: Env, name: string, readFile: FileReader): string | undefined {
  const path = readOptional(env, name);
  if (path === undefined) return undefined;
  try {
    return readFile(path);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    throw new Error(
      `${name} names a file that cannot be read${typeof code === 'string' ? ` (${code})` : ''}`,
      { cause: error },
    );
  }
}
