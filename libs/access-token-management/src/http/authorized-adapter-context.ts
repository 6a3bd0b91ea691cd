import type { DPoPProofSigner, TokenSource } from '../manager/token-source.interface.js';
import type { ClientAgents } from './client-agents.js';
import type { PinnedClient } from './same-client.js';

/** What one `attachAccessToken` decides with: the client, the one origin its credentials may go to, its keys. */
export interface AuthorizedAdapterContext extends PinnedClient {
  tokens: TokenSource;
  clientName: string;
  tokenOptions: { scope?: string; resource?: string };
  pinnedBase: URL;
  /** `pinnedBase.origin`, read once: the getter builds a new string on every read. */
  pinnedOrigin: string;
  /** The client's `baseURL` when attached: a client registered again under its name with another one gets nothing. */
  clientBaseURL: string | undefined;
  dpop: DPoPProofSigner | undefined;
  /** The client's agents (proxy, CAs, certificate) for axios' http adapter; `undefined` when Node's defaults do. */
  agents: ClientAgents | undefined;
}
