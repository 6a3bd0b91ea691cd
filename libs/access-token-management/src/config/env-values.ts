import { configError } from '../errors.js';

/** Environment variables as `process.env` or `ConfigService` hold them. */
export type EnvSource = Record<string, string | undefined>;

/** A variable's value; empty values count as unset, since `.env` files often carry `NAME=` placeholders. */
export function readEnv(env: EnvSource, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

/** `true`/`1` or `false`/`0` (any case); anything else stops start-up naming the variable. */
export function readEnvBoolean(env: EnvSource, name: string, clientName?: string): boolean | undefined {
  const raw = readEnv(env, name)?.toLowerCase();
  if (raw === undefined) return undefined;
  if (raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  throw configError(name, 'must be true or false', clientName);
}

/** Digits with an optional fraction: env numbers are never negative, exponents or hex. */
export function readEnvNumber(env: EnvSource, name: string, clientName?: string): number | undefined {
  const raw = readEnv(env, name);
  if (raw === undefined) return undefined;
  if (!/^\d+(\.\d+)?$/.test(raw)) throw configError(name, 'must be a non-negative number', clientName);
  return Number(raw);
}
