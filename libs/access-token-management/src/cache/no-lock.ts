import type { LockAttempt, TokenLock } from './token-lock.interface.js';

const NONE: LockAttempt = Object.freeze({ status: 'none' });

/** The lock of a store no other instance shares: never taken, so callers rely on in-process single flight alone. */
export const noLock: TokenLock = {
  acquire: () => Promise.resolve(NONE),
  release: () => Promise.resolve(),
  isHeld: () => Promise.resolve(false),
};
