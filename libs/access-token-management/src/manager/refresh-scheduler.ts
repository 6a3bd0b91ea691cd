import type { CachedToken } from '../cache/cached-token.interface.js';
import type { TokenStore } from '../cache/token-store.interface.js';
import type { Clock } from './clock.js';
import { startLongTimer } from './long-timer.js';
import { servedUntil } from './renewal-policy.js';
import type { TokenKeyState } from './token-key-state.js';

/** The settings background refresh follows. */
export interface RefreshSettings {
  readonly refreshAhead: boolean;
  /** Renewals start up to this fraction of the buffer early, at random. */
  readonly refreshJitter: number;
  readonly expirySafetyMarginSeconds: number;
}

/**
 * The timers of background refresh: one per key in use at most, on the clock's timers (unref'd, correct beyond the ~24.8
 * days one Node timer holds). When one fires, the key's token is renewed (`renew`) if a caller used it and no other
 * instance renewed it meanwhile. Plans nothing with `refreshAhead` off, or once closed.
 */
export class RefreshScheduler {
  private readonly planned = new Set<TokenKeyState>();
  private closed = false;

  constructor(
    private readonly clock: Clock,
    private readonly settings: RefreshSettings,
    private readonly random: () => number,
    private readonly store: TokenStore,
    private readonly renew: (state: TokenKeyState, cached: CachedToken) => void,
  ) {}

  /** Records a token of the key and plans its renewal, jittered ahead of its renewal point. */
  plan(state: TokenKeyState, entry: CachedToken): void {
    const expiresAt = entry.token.expiresAt.getTime();
    state.seen(expiresAt);
    if (!this.settings.refreshAhead) return;
    const buffer = expiresAt - entry.renewAt;
    this.at(state, entry.renewAt - this.random() * this.settings.refreshJitter * buffer);
  }

  /**
   * A new token of the key was stored or adopted: recorded, and the renewal planned for the old one cancelled. The new
   * one's is planned when a caller is served it, so a key nobody uses holds no timer.
   */
  stored(state: TokenKeyState, entry: CachedToken): void {
    state.seen(entry.token.expiresAt.getTime());
    this.cancel(state);
  }

  /** Plans the key's renewal at `at` (epoch ms), replacing the one planned; none for a key the manager forgot. */
  at(state: TokenKeyState, at: number): void {
    if (this.closed || !this.settings.refreshAhead || state.retired !== undefined) return;
    this.cancel(state);
    this.planned.add(state);
    state.refreshTimer = startLongTimer(
      () => {
        state.refreshTimer = undefined;
        this.planned.delete(state);
        void this.due(state);
      },
      at - this.clock.now(),
      this.clock,
    );
  }

  cancel(state: TokenKeyState): void {
    state.refreshTimer?.cancel();
    state.refreshTimer = undefined;
    this.planned.delete(state);
  }

  /** Cancels every planned renewal; plans none from now on. */
  close(): void {
    this.closed = true;
    for (const state of [...this.planned]) this.cancel(state);
  }

  private async due(state: TokenKeyState): Promise<void> {
    // A token nobody used since it was stored is not kept alive: the next caller fetches one when it needs it.
    if (this.closed || !state.inUse) return;
    // What was known when the timer fired: during the read below a caller may be served (and so record) the token
    // another instance just stored, which must still count as newer here, not as the token to renew.
    const known = state.validUntil ?? 0;
    const cached = await this.store.get(state.key, { shared: true });
    if (cached === undefined) return;
    if (this.clock.now() >= servedUntil(cached, this.settings.expirySafetyMarginSeconds)) return;
    // Another instance sharing the store renewed it already: follow its renewal point instead.
    if (cached.token.expiresAt.getTime() > known) this.stored(state, cached);
    else this.renew(state, cached);
  }
}
