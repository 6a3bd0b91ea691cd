import { accessSync, constants, readFileSync, statSync, type BigIntStats } from 'node:fs';
import { configError } from '../errors.js';
import type { ResolvedClientAuthentication } from './client-authentication.validation.js';
import { CLIENT_SETTINGS } from './settings.table.js';

/** A credential setting whose value lives in a file: read at start-up, re-read when the file changes. */
export interface CredentialFile {
  /** The option the file fills (`clientSecret`). */
  readonly option: string;
  readonly path: string;
  /** What messages name: the env variable (`ACCESS_TOKEN_ORDERS_CLIENT_SECRET_FILE`) or the option path. */
  readonly setting: string;
}

/** What a credential file held when it was read, and the signature of its metadata taken just before. */
export interface CredentialFileState {
  readonly signature: string;
  readonly content: string;
}

/**
 * A client's credential files and how to turn their contents into its authentication again: the checks of start-up,
 * run on new contents. Holds no content itself where logging could reach it (functions only).
 */
export interface CredentialSource {
  readonly files: readonly CredentialFile[];
  /** What the file filling `option` held at start-up. */
  initial(option: string): CredentialFileState | undefined;
  /**
   * The authentication with these file contents (option -> content; the others as at start-up).
   * @throws AccessTokenError `ERR_CONFIG_INVALID` naming the file's setting, never its content
   */
  resolve(contents: ReadonlyMap<string, string>): ResolvedClientAuthentication;
}

/** The settings that may come from a live file; the platform's assertion is read for every request instead. */
const FILE_ROWS = CLIENT_SETTINGS.filter((row) => row.file !== undefined && row.kind !== 'assertion');

/**
 * Identifies what a path points to now: the file (a Kubernetes `..data` swap gives it a new inode), its size and
 * times. Taken before a read, so a change during the read shows as a change at the next check.
 */
export function fileSignature(stats: BigIntStats): string {
  return `${stats.dev}:${stats.ino}:${stats.size}:${stats.mtimeNs}:${stats.ctimeNs}`;
}

/** A file's text as the setting's value: a secret or an assertion without the trailing newline editors add. */
export function credentialText(option: string, text: string): string {
  return option === 'clientSecret' || option === 'clientAssertion' ? text.replace(/[\r\n]+$/, '') : text;
}

/** The errno code of a failed file operation, for messages (`ENOENT`); never the path's content. */
export function fileErrorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** The client's settings with each credential file's content in place, and the files, as read at start-up. */
export interface CredentialFilesRead {
  readonly given: Record<string, unknown>;
  readonly files: readonly CredentialFile[];
  readonly states: ReadonlyMap<string, CredentialFileState>;
}

/**
 * Reads the credential files a client names (`<option>File`) at validation, so an unreadable one stops start-up
 * naming its setting, and checks that the platform's assertion file can be read (its content is read per request).
 * @throws AccessTokenError `ERR_CONFIG_INVALID`
 */
export function readCredentialFiles(
  client: object,
  nameOf: (field: string) => string,
  clientName: string,
): CredentialFilesRead {
  const given: Record<string, unknown> = { ...client };
  const files: CredentialFile[] = [];
  const states = new Map<string, CredentialFileState>();
  for (const { option } of FILE_ROWS) {
    const path = filePath(given, option, nameOf, clientName);
    if (path === undefined) continue;
    const setting = nameOf(`${option}File`);
    const state = readNow(path, setting, clientName, option);
    given[option] = state.content;
    files.push({ option, path, setting });
    states.set(option, state);
  }
  const assertionFile = filePath(given, 'clientAssertion', nameOf, clientName);
  if (assertionFile !== undefined) {
    try {
      accessSync(assertionFile, constants.R_OK);
    } catch (error) {
      throw unreadable(nameOf('clientAssertionFile'), error, clientName);
    }
  }
  return { given, files, states };
}

function filePath(
  given: Record<string, unknown>,
  option: string,
  nameOf: (field: string) => string,
  clientName: string,
): string | undefined {
  const fileOption = `${option}File`;
  const path = given[fileOption];
  if (path === undefined) return undefined;
  if (given[option] !== undefined) {
    throw configError(nameOf(option), `and ${nameOf(fileOption)} are both set: set one of them`, clientName);
  }
  if (typeof path !== 'string' || path.trim() === '') {
    throw configError(nameOf(fileOption), 'must be the path of a file', clientName);
  }
  return path;
}

function readNow(path: string, setting: string, clientName: string, option: string): CredentialFileState {
  try {
    const signature = fileSignature(statSync(path, { bigint: true }));
    return { signature, content: credentialText(option, readFileSync(path, 'utf8')) };
  } catch (error) {
    throw unreadable(setting, error, clientName);
  }
}

function unreadable(setting: string, error: unknown, clientName: string) {
  const code = fileErrorCode(error);
  return configError(setting, `names a file that cannot be read${code ? ` (${code})` : ''}`, clientName);
}
