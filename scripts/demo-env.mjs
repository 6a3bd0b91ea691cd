// The environment `npm start` gives the three sample apps: the process env, over `.env`, over `.env.example` (the
// template: read here and nowhere else), with `${VAR}` references expanded over the result, so the URLs between the
// apps follow TOKEN_SERVER_PORT, ORDERS_API_PORT and ORDERS_CALLER_PORT (and TOKEN_SERVER_ISSUER, ORDERS_API_URL).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { parse } from 'dotenv';
import { expand } from 'dotenv-expand';

/**
 * @param {Record<string, string | undefined>} processEnv the launcher's own env; a value set here always wins.
 * @param {string} dir where `.env` and `.env.example` are looked for.
 * @returns {Record<string, string | undefined>} the env to start each app with.
 */
export function demoEnv(processEnv = process.env, dir = process.cwd()) {
  const read = (name) => {
    const path = join(dir, name);
    return existsSync(path) ? parse(readFileSync(path)) : {};
  };
  // One merge before one expansion: a reference in `.env.example` sees the value `.env` or the process gave.
  const parsed = { ...read('.env.example'), ...read('.env') };
  const env = { ...processEnv };
  expand({ parsed, processEnv: env });
  return env;
}
