/**
 * What callers asked for (client name, then the `scope` and `resource` exactly as given) -> the value kept for it.
 * Nested maps, not a joined string: no separator a caller could put in a value, so no call can pose as another, and a
 * lookup allocates nothing.
 */
export class CallIndex<T> {
  private readonly byClient = new Map<string, Map<unknown, Map<unknown, T>>>();

  get(clientName: string, scope: unknown, resource: unknown): T | undefined {
    return this.byClient.get(clientName)?.get(scope)?.get(resource);
  }

  set(clientName: string, scope: unknown, resource: unknown, value: T): void {
    let byScope = this.byClient.get(clientName);
    if (byScope === undefined) this.byClient.set(clientName, (byScope = new Map()));
    let byResource = byScope.get(scope);
    if (byResource === undefined) byScope.set(scope, (byResource = new Map()));
    byResource.set(resource, value);
  }

  /** Forgets one call; maps left empty go too, so forgotten calls leave nothing behind. */
  delete(clientName: string, scope: unknown, resource: unknown): void {
    const byScope = this.byClient.get(clientName);
    const byResource = byScope?.get(scope);
    if (byScope === undefined || byResource === undefined) return;
    byResource.delete(resource);
    if (byResource.size > 0) return;
    byScope.delete(scope);
    if (byScope.size === 0) this.byClient.delete(clientName);
  }

  /** Forgets every call of a client. */
  deleteClient(clientName: string): void {
    this.byClient.delete(clientName);
  }
}
