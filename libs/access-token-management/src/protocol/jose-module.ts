import type * as Jose from 'jose';

let loading: Promise<typeof Jose> | undefined;

/**
 * jose, loaded on first use: only private_key_jwt, DPoP and platform assertions need it, and a process that loads it
 * without using it holds its ~180 modules on the heap, which every garbage collection walks.
 */
export function loadJose(): Promise<typeof Jose> {
  return (loading ??= import('jose'));
}
