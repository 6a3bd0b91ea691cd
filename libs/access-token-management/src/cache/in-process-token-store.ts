import type { CachedToken } from './cached-token.interface.js';
import { noLock } from './no-lock.js';
import { RecencyList, type RecencyLinks } from './recency-list.js';
import type { TokenStore } from './token-store.interface.js';

/** One kept entry, linked by recency. */
interface Slot extends RecencyLinks<Slot> {
  readonly key: string;
  entry: CachedToken;
}

/**
 * Tokens of this process, in a map: each entry until its token expires (an expired one is dropped when next read),
 * at most `capacity` of them, the least recently used evicted first (`onEvicted` is told its key). The default store,
 * and the layer in front of a shared one.
 */
export class InProcessTokenStore implements TokenStore {
  readonly lock = noLock;
  private readonly slots = new Map<string, Slot>();
  private readonly recency = new RecencyList<Slot>();

  constructor(
    private readonly now: () => number,
    private readonly capacity = Number.POSITIVE_INFINITY,
    private readonly onEvicted: (key: string) => void = () => undefined,
  ) {}

  /** How many entries are kept. */
  get size(): number {
    return this.slots.size;
  }

  peek(key: string): CachedToken | undefined {
    const slot = this.slots.get(key);
    if (slot === undefined || this.now() >= slot.entry.renewAt) return undefined;
    this.recency.touch(slot);
    return slot.entry;
  }

  /** The entry until its token expires, synchronously. */
  entry(key: string): CachedToken | undefined {
    const slot = this.slots.get(key);
    if (slot === undefined) return undefined;
    if (this.now() >= slot.entry.token.expiresAt.getTime()) {
      this.drop(slot);
      return undefined;
    }
    this.recency.touch(slot);
    return slot.entry;
  }

  /** Keeps `entry`, unless its token has expired already; says whether it did. */
  hold(key: string, entry: CachedToken): boolean {
    if (entry.token.expiresAt.getTime() <= this.now()) return false;
    const slot = this.slots.get(key);
    if (slot !== undefined) {
      slot.entry = entry;
      this.recency.touch(slot);
      return true;
    }
    const added: Slot = { key, entry, older: undefined, newer: undefined };
    this.slots.set(key, added);
    this.recency.add(added);
    while (this.recency.size > this.capacity) {
      const oldest = this.recency.oldest as Slot;
      this.drop(oldest);
      this.onEvicted(oldest.key);
    }
    return true;
  }

  get(key: string): Promise<CachedToken | undefined> {
    return Promise.resolve(this.entry(key));
  }

  set(key: string, entry: CachedToken): Promise<void> {
    this.hold(key, entry);
    return Promise.resolve();
  }

  delete(key: string): Promise<void> {
    const slot = this.slots.get(key);
    if (slot !== undefined) this.drop(slot);
    return Promise.resolve();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  private drop(slot: Slot): void {
    this.slots.delete(slot.key);
    this.recency.remove(slot);
  }
}
