import { describe, expect, it } from '@jest/globals';

import { ordersCallerSettingsFromEnv } from './orders-caller.config.js';

describe('ordersCallerSettingsFromEnv', () => {
  it('listens on loopback port 3000 by default', () => {
    expect(ordersCallerSettingsFromEnv({})).toEqual({ port: 3000, host: '127.0.0.1' });
  });

  it('reads ORDERS_CALLER_PORT and ORDERS_CALLER_HOST', () => {
    expect(ordersCallerSettingsFromEnv({ ORDERS_CALLER_PORT: '3100', ORDERS_CALLER_HOST: '::' })).toEqual({
      port: 3100,
      host: '::',
    });
  });

  it.each([
    [{ ORDERS_CALLER_PORT: '3000x' }, 'ORDERS_CALLER_PORT'],
    [{ ORDERS_CALLER_PORT: '0' }, 'ORDERS_CALLER_PORT'],
    [{ ORDERS_CALLER_HOST: 'http://localhost' }, 'ORDERS_CALLER_HOST'],
  ])('rejects %j with an error naming %s', (env, name) => {
    expect(() => ordersCallerSettingsFromEnv(env)).toThrow(name);
  });
});
