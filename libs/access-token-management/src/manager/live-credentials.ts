import { readFileSync, statSync } from 'node:fs';
import type { ResolvedClientAuthentication } from '../config/client-authentication.validation.js';
import {
  credentialText,
  fileErrorCode,
  fileSignature,
  type CredentialFile,
  type CredentialSource,
} from '../config/credential-files.js';
import { AccessTokenError } from '../errors.js';
import type { TokenLogger } from '../token-logger.js';

/** What one file held when last read well, and the metadata signature it had then. */
interface FileState {
  signature: string;
  content: string;
}

/**
 * A client's credential files, checked for a change before each token request (a `stat` per file, no read while
 * nothing changed): a new inode, size or time — a Kubernetes `..data` symlink swap gives a new inode — makes the
 * file read again and the client's authentication built anew with the checks of start-up. A file that disappears,
 * cannot be read or holds something unusable keeps the last good value: one warning naming its setting (never its
 * content), and {@link problem} says so for health checks until it is readable again.
 */
export class LiveCredentials {
  private readonly states = new Map<string, FileState>();
  /** The setting whose file could not be used, and why; undefined while every file is fine. */
  private trouble?: { setting: string; reason: string };

  constructor(
    private readonly source: CredentialSource,
    private readonly clientName: string,
    private readonly logger: TokenLogger,
  ) {
    for (const file of source.files) {
      const initial = source.initial(file.option);
      if (initial) this.states.set(file.option, { ...initial });
    }
  }

  /** Why the last check kept a previous value (`ACCESS_TOKEN_ORDERS_CLIENT_SECRET_FILE cannot be read (ENOENT)`). */
  get problem(): string | undefined {
    return this.trouble && `${this.trouble.setting} ${this.trouble.reason}`;
  }

  /**
   * Checks the files; when one holds something new, returns the authentication built from the current contents and
   * the options whose files changed. Undefined when nothing changed or a change could not be used.
   */
  check(): { authentication: ResolvedClientAuthentication; changed: ReadonlySet<string> } | undefined {
    const changed = new Set<string>();
    const next = new Map<string, FileState>();
    for (const file of this.source.files) {
      const read = this.read(file);
      if (read === 'failed') return undefined;
      if (read !== undefined) {
        next.set(file.option, read);
        if (read.content !== this.states.get(file.option)?.content) changed.add(file.option);
      }
    }
    if (changed.size === 0) {
      // Touched but equal (a re-written secret): remember the signature so the file is not read again.
      for (const [option, state] of next) this.states.set(option, state);
      this.recovered();
      return undefined;
    }
    const contents = new Map(this.source.files.map((file) => [file.option, this.contentOf(file, next)]));
    let authentication: ResolvedClientAuthentication;
    try {
      authentication = this.source.resolve(contents);
    } catch (error) {
      const setting = this.source.files.find((file) => changed.has(file.option))?.setting ?? '';
      const reason = error instanceof AccessTokenError ? 'holds a value that cannot be used' : 'failed';
      this.failed(setting, reason);
      return undefined;
    }
    for (const [option, state] of next) this.states.set(option, state);
    this.recovered();
    this.logger.log(
      `Credential file${changed.size > 1 ? 's' : ''} of client '${this.clientName}' changed: ` +
        `${this.source.files
          .filter((file) => changed.has(file.option))
          .map((file) => file.setting)
          .join(', ')} re-read`,
    );
    return { authentication, changed };
  }

  /** The file's state when its signature changed, undefined when it did not, 'failed' when it cannot be read. */
  private read(file: CredentialFile): FileState | undefined | 'failed' {
    const known = this.states.get(file.option);
    try {
      const signature = fileSignature(statSync(file.path, { bigint: true }));
      if (signature === known?.signature) return undefined;
      return { signature, content: credentialText(file.option, readFileSync(file.path, 'utf8')) };
    } catch (error) {
      const code = fileErrorCode(error);
      this.failed(file.setting, `names a file that cannot be read${code ? ` (${code})` : ''}`);
      return 'failed';
    }
  }

  private contentOf(file: CredentialFile, next: ReadonlyMap<string, FileState>): string {
    return (next.get(file.option) ?? this.states.get(file.option))?.content ?? '';
  }

  /** One warning per problem, not per token request; the value read before stays in use. */
  private failed(setting: string, reason: string): void {
    if (this.trouble?.setting === setting && this.trouble.reason === reason) return;
    this.trouble = { setting, reason };
    this.logger.warn(
      `Credential file of client '${this.clientName}': ${setting} ${reason}; the value read before stays in use`,
    );
  }

  private recovered(): void {
    if (this.trouble === undefined) return;
    this.logger.log(`Credential files of client '${this.clientName}' are readable again`);
    this.trouble = undefined;
  }
}
