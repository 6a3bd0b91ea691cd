import type { Adapter, AdapterPayload } from 'oidc-provider';

import { toClientMetadata } from './client-metadata.js';
import type { ClientRegistry } from './token-server.config.js';

/**
 * oidc-provider's storage with clients from a {@link ClientRegistry}: the provider asks for a client that is not
 * static on every request (and caches it by its metadata), so a changed registration — a rotated secret or key — takes
 * effect at once. Everything else (replay detection of assertions and DPoP proofs) lives in memory, as with the
 * provider's default adapter.
 */
export function clientRegistryAdapter(registry: ClientRegistry): new (model: string) => Adapter {
  const stores = new Map<string, Map<string, { payload: AdapterPayload; expiresAt?: number }>>();
  return class RegistryAdapter implements Adapter {
    private readonly store: Map<string, { payload: AdapterPayload; expiresAt?: number }>;

    constructor(private readonly model: string) {
      this.store = stores.get(model) ?? new Map();
      stores.set(model, this.store);
    }

    async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
      this.store.set(id, { payload, ...(expiresIn ? { expiresAt: Date.now() + expiresIn * 1000 } : {}) });
    }

    async find(id: string): Promise<AdapterPayload | undefined> {
      if (this.model === 'Client') {
        const client = registry.find(id);
        return client && (toClientMetadata(client) as AdapterPayload);
      }
      const entry = this.store.get(id);
      if (entry?.expiresAt !== undefined && entry.expiresAt <= Date.now()) this.store.delete(id);
      return this.store.get(id)?.payload;
    }

    async findByUserCode(): Promise<undefined> {
      return undefined;
    }

    async findByUid(): Promise<undefined> {
      return undefined;
    }

    async consume(id: string): Promise<void> {
      const entry = this.store.get(id);
      if (entry) entry.payload = { ...entry.payload, consumed: Math.floor(Date.now() / 1000) };
    }

    async destroy(id: string): Promise<void> {
      this.store.delete(id);
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      for (const [id, entry] of this.store) if (entry.payload.grantId === grantId) this.store.delete(id);
    }
  };
}
