import { describe, expect, it } from '@jest/globals';

import { renewalPoint } from './renewal-policy.js';

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
const s = (seconds: number) => seconds * 1000;

describe('renewalPoint', () => {
  it('renews a 300 s token 60 s before expiry', () => {
    expect(renewalPoint(T0, T0 + s(300), 60)).toBe(T0 + s(240));
  });

  it('renews a 30 s token after half its lifetime', () => {
    expect(renewalPoint(T0, T0 + s(30), 60)).toBe(T0 + s(15));
  });

  it('uses the full buffer exactly at twice the buffer', () => {
    expect(renewalPoint(T0, T0 + s(120), 60)).toBe(T0 + s(60));
  });

  it('caps the buffer at half the lifetime just below twice the buffer', () => {
    expect(renewalPoint(T0, T0 + s(119), 60)).toBe(T0 + s(59.5));
  });

  it('renews at expiry with a 0 buffer', () => {
    expect(renewalPoint(T0, T0 + s(300), 0)).toBe(T0 + s(300));
    expect(renewalPoint(T0, T0 + s(30), 0)).toBe(T0 + s(30));
  });

  it('takes the buffer in seconds and the times in milliseconds', () => {
    expect(renewalPoint(0, 3_600_000, 60)).toBe(3_540_000);
    expect(renewalPoint(0, 3_600_000, 1.5)).toBe(3_598_500);
  });

  it('uses the configured buffer for long tokens', () => {
    expect(renewalPoint(T0, T0 + s(3600), 300)).toBe(T0 + s(3300));
  });

  it('depends only on the lifetime, not on the absolute time', () => {
    expect(renewalPoint(1_000, 1_000 + s(300), 60) - 1_000).toBe(renewalPoint(T0, T0 + s(300), 60) - T0);
  });

  it('is the expiry for a token of no lifetime', () => {
    expect(renewalPoint(T0, T0, 60)).toBe(T0);
  });

  it('is never later than expiry, even when the token expired before it was received', () => {
    // expires_in is counted from the response, `issuedAt` from when the manager saw it: a tiny expires_in can end first.
    expect(renewalPoint(T0, T0 - 10, 60)).toBeLessThanOrEqual(T0 - 10);
    expect(renewalPoint(T0, T0 - 10, 0)).toBeLessThanOrEqual(T0 - 10);
  });

  it.each([1, 10, 59, 60, 61, 119, 120, 121, 300, 86_400])(
    'lies within the lifetime and no earlier than its middle for a %i s token',
    (lifetime) => {
      const at = renewalPoint(T0, T0 + s(lifetime), 60);
      expect(at).toBeGreaterThanOrEqual(T0 + s(lifetime) / 2);
      expect(at).toBeLessThanOrEqual(T0 + s(lifetime));
      expect(T0 + s(lifetime) - at).toBeLessThanOrEqual(s(60));
    },
  );
});
