import { configError } from '../errors.js';
import { resolveClientAuthentication } from './client-authentication.validation.js';
import type { ClientCredentialsClientOptions } from './client-options.interface.js';
import { AGREEMENT_RULES, checkClientRules, COMBINATION_RULES } from './cross-field.rules.js';
import type { ResolvedClientOptions } from './resolved-options.interface.js';
import { normalizeScope } from './scope-rules.js';
import { checkSettings } from './setting.checks.js';
import { CLIENT_SETTINGS } from './settings.table.js';
import { contentOf, recallClient, rememberClient } from './validation-memo.js';
import type { ProxyAddress } from './proxy-address.js';

/** The network settings a client has, absent ones left out. */
function networkOf(
  values: Readonly<Record<string, unknown>>,
): Pick<ResolvedClientOptions, 'proxy' | 'fetch'> {
  return {
    ...(values.proxyUrl !== undefined ? { proxy: values.proxyUrl as ProxyAddress } : {}),
    ...(values.fetch !== undefined ? { fetch: values.fetch as ResolvedClientOptions['fetch'] } : {}),
  };
}

const CHECKED_FIRST = CLIENT_SETTINGS.filter((row) => row.checkedFirst === true);
const CHECKED_THEN = CLIENT_SETTINGS.filter((row) => row.checkedFirst !== true);

/**
 * Checks one client and fills in its defaults, in this order: the settings checked first (its id, its method), which
 * settings go together, each other value alone (by its table row), how the values agree, its key material. A client
 * object validated before and unchanged since is not checked again: its keys are parsed once.
 */
export function validateClient(
  name: string,
  client: ClientCredentialsClientOptions | undefined,
  nameOf: (field: string, clientName?: string) => string,
): ResolvedClientOptions {
  const setting = (field: string) => nameOf(field, name);
  if (client === null || typeof client !== 'object') {
    throw configError(setting('clientId'), 'is missing: the client has no settings', name);
  }
  const remembered = recallClient(client, name);
  if (remembered !== undefined) return remembered;
  const content = contentOf(client);
  const values = checkSettings(CHECKED_FIRST, client, setting, name);
  checkClientRules(COMBINATION_RULES, client, values, setting, name);
  Object.assign(values, checkSettings(CHECKED_THEN, client, setting, name));
  checkClientRules(AGREEMENT_RULES, client, values, setting, name);
  const resolved: ResolvedClientOptions = {
    name,
    tokenEndpoint: values.tokenEndpoint as string | undefined,
    issuer: values.issuer as string | undefined,
    clientId: values.clientId as string,
    ...resolveClientAuthentication(values, setting, name),
    scope: normalizeScope(values.scope as string | undefined),
    resource: values.resource as string | undefined,
    parameters: values.parameters as Readonly<Record<string, string>>,
    baseURL: values.baseURL as string | undefined,
    requestTimeoutMs: values.requestTimeoutMs as number,
    allowInsecureHttp: values.allowInsecureHttp as boolean,
    ...networkOf(values),
  };
  rememberClient(client, name, content, resolved);
  return resolved;
}
