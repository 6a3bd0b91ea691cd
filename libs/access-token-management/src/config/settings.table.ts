import { AUTHENTICATION_SETTINGS } from './authentication-settings.table.js';
import { CLIENT_BASIC_SETTINGS } from './client-settings.table.js';
import { CLIENTS_SETTING, MODULE_SETTINGS } from './module-settings.table.js';
import type { Setting } from './setting.interface.js';

export { CLIENTS_SETTING, MODULE_SETTINGS } from './module-settings.table.js';

/** Every setting of one client, in the README's order: the env reader and the value checks walk it. */
export const CLIENT_SETTINGS: readonly Setting[] = [...CLIENT_BASIC_SETTINGS, ...AUTHENTICATION_SETTINGS];

/**
 * Every setting, one row each, in the order of the README's env table (a test holds the two equal): the client list,
 * a client's settings, then the module-wide ones.
 */
export const SETTINGS: readonly Setting[] = [CLIENTS_SETTING, ...CLIENT_SETTINGS, ...MODULE_SETTINGS];
