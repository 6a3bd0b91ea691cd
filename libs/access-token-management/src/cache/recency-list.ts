/** The links an item of a {@link RecencyList} carries itself, so that moving it needs no lookup and no allocation. */
export interface RecencyLinks<T> {
  older: T | undefined;
  newer: T | undefined;
}

/**
 * Items from least to most recently used, as a doubly linked list through the items themselves: a use moves its item
 * to the newest end in O(1) without allocating (the hot path does this on every cache hit), the oldest is evicted
 * first. Each item belongs to one list at most.
 */
export class RecencyList<T extends RecencyLinks<T>> {
  private newest: T | undefined;
  private oldestItem: T | undefined;
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** The least recently used item. */
  get oldest(): T | undefined {
    return this.oldestItem;
  }

  /** Adds `item` as the most recently used. */
  add(item: T): void {
    item.older = this.newest;
    item.newer = undefined;
    if (this.newest === undefined) this.oldestItem = item;
    else this.newest.newer = item;
    this.newest = item;
    this.count += 1;
  }

  /** Marks `item`, which is in the list, as the most recently used. */
  touch(item: T): void {
    if (item === this.newest) return;
    this.unlink(item);
    this.add(item);
  }

  /** Takes `item` out; nothing happens when it is not in the list. */
  remove(item: T): void {
    if (item !== this.newest && item.newer === undefined) return;
    this.unlink(item);
  }

  private unlink(item: T): void {
    if (item.older === undefined) this.oldestItem = item.newer;
    else item.older.newer = item.newer;
    if (item.newer === undefined) this.newest = item.older;
    else item.newer.older = item.older;
    item.older = undefined;
    item.newer = undefined;
    this.count -= 1;
  }
}
