import { configError } from '../errors.js';
import type { ClientRule } from './cross-field.rules.js';

/** The platform's assertion is given, as a function or a file. */
export function hasPlatformAssertion(given: Readonly<Record<string, unknown>>): boolean {
  return given.clientAssertion !== undefined || given.clientAssertionFile !== undefined;
}

/** Settings of a JWT the client signs itself: the platform signs its assertion, so none of them applies. */
const OWN_ASSERTION_SETTINGS = [
  'privateKey',
  'privateKeyKid',
  'clientAssertionCertificate',
  'clientAssertionAlg',
];

/**
 * How the platform's assertion (RFC 7523 §2.2: a JWT the platform issues, sent as it is) goes with the other
 * settings: private_key_jwt only, one source, and none of the settings of an assertion the client signs itself.
 */
export const PLATFORM_ASSERTION_RULES: readonly ClientRule[] = [
  ({ given, setting, name, method }) => {
    if (!hasPlatformAssertion(given)) return;
    const field = given.clientAssertionFile !== undefined ? 'clientAssertionFile' : 'clientAssertion';
    if (given.clientAssertion !== undefined && given.clientAssertionFile !== undefined) {
      const problem = `and ${setting('clientAssertionFile')} are both set: set one of them`;
      throw configError(setting('clientAssertion'), problem, name);
    }
    if (method !== 'private_key_jwt') {
      const problem = `is only used by private_key_jwt (${setting('authMethod')} is ${method})`;
      throw configError(setting(field), problem, name);
    }
    const own = OWN_ASSERTION_SETTINGS.find((option) => given[option] !== undefined);
    if (own !== undefined) {
      const problem = `is for assertions the client signs itself, and ${setting(field)} gives one the platform signed: set one of them`;
      throw configError(setting(own), problem, name);
    }
  },
];
