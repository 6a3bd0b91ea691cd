import { configError } from '../errors.js';
import { resolveClientAuthentication } from './client-authentication.validation.js';
import type { ClientCredentialsClientOptions } from './client-options.interface.js';
import { readCredentialFiles, type CredentialFilesRead, type CredentialSource } from './credential-files.js';
import { AGREEMENT_RULES, checkClientRules, COMBINATION_RULES } from './cross-field.rules.js';
import type { ResolvedClientOptions } from './resolved-options.interface.js';
import { normalizeScope } from './scope-rules.js';
import { checkSettings, type CheckedValues } from './setting.checks.js';
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
  if (client === null || typeof client !== 'object') {
    throw configError(nameOf('clientId', name), 'is missing: the client has no settings', name);
  }
  const remembered = recallClient(client, name);
  if (remembered !== undefined) return remembered;
  const content = contentOf(client);
  // Files first, as a setting of their own: their contents are then checked like values given inline.
  const read = readCredentialFiles(client, (field) => nameOf(field, name), name);
  const fromFile = new Set(read.files.map((file) => file.option));
  const setting = (field: string) => nameOf(fromFile.has(field) ? `${field}File` : field, name);
  const given = read.given;
  const values = checkSettings(CHECKED_FIRST, given, setting, name);
  checkClientRules(COMBINATION_RULES, given, values, setting, name);
  Object.assign(values, checkSettings(CHECKED_THEN, given, setting, name));
  values.clientAssertionFile = given.clientAssertionFile;
  checkClientRules(AGREEMENT_RULES, given, values, setting, name);
  const resolved: ResolvedClientOptions = {
    name,
    tokenEndpoint: values.tokenEndpoint as string | undefined,
    issuer: values.issuer as string | undefined,
    clientId: values.clientId as string,
    ...resolveClientAuthentication(values, setting, name),
    ...(read.files.length > 0 ? { credentials: credentialSource(read, values, setting, name) } : {}),
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

/** The client's credential files, and its authentication from new contents with the checks of start-up. */
function credentialSource(
  read: CredentialFilesRead,
  values: CheckedValues,
  setting: (field: string) => string,
  name: string,
): CredentialSource {
  return {
    files: read.files,
    initial: (option) => read.states.get(option),
    resolve: (contents) => {
      for (const file of read.files) {
        if (contents.get(file.option) === '') throw configError(file.setting, 'names an empty file', name);
      }
      // The value checks of start-up, then its key material checks, on what the files hold now.
      const rows = CLIENT_SETTINGS.filter((row) => contents.has(row.option));
      const checked = checkSettings(rows, Object.fromEntries(contents), setting, name);
      return resolveClientAuthentication({ ...values, ...checked }, setting, name);
    },
  };
}
