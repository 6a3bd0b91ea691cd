/**
 * At most one running task per key: callers that arrive while it runs share its promise, and so its result or its
 * failure. The key is free again as soon as the task settles, so a failure is never remembered.
 */
export class SingleFlight<T> {
  private readonly running = new Map<string, Promise<T>>();

  /** The task currently running for `key`, if any. */
  current(key: string): Promise<T> | undefined {
    return this.running.get(key);
  }

  run(key: string, task: () => Promise<T>): Promise<T> {
    const existing = this.running.get(key);
    if (existing) return existing;
    const started = Promise.resolve()
      .then(task)
      .finally(() => this.running.delete(key));
    this.running.set(key, started);
    return started;
  }
}
