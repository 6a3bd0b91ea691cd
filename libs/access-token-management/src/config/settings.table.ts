import { AUTHENTICATION_SETTINGS } from './authentication-settings.table.js';
import { CLIENT_BASIC_SETTINGS } from './client-settings.table.js';
import { CLIENTS_SETTING, MODULE_SETTINGS as MODULE_BASIC_SETTINGS } from './module-settings.table.js';
import { CLIENT_NETWORK_SETTINGS, MODULE_NETWORK_SETTINGS } from './network-settings.table.js';
import type { Setting } from './setting.interface.js';

export { CLIENTS_SETTING } from './module-settings.table.js';

/** Every setting of one client, in the README's order: the env reader and the value checks walk it. */
export const CLIENT_SETTINGS: readonly Setting[] = [
  ...CLIENT_BASIC_SETTINGS,
  ...AUTHENTICATION_SETTINGS,
  ...CLIENT_NETWORK_SETTINGS,
];

/** Every module-wide setting besides the client list, in the README's order. */
export const MODULE_SETTINGS: readonly Setting[] = [...MODULE_BASIC_SETTINGS, ...MODULE_NETWORK_SETTINGS];

/**
 * Every setting, one row each, in the order of the README's env table (a test holds the two equal): the client list,
 * a client's settings, then the module-wide ones.
 */
export const SETTINGS: readonly Setting[] = [CLIENTS_SETTING, ...CLIENT_SETTINGS, ...MODULE_SETTINGS];
