import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Principal } from '../../auth/principal.js';
import { UnauthenticatedError, UnavailableError } from '../../domain/errors.js';
import { CredentialWatch, EXPIRY_CHECK_MS } from './credential-watch.js';

function principal(expiresAtMs?: number): Principal {
  return { name: 'p', source: 'jwt', workerId: undefined, grants: [], rateLimit: undefined, expiresAtMs };
}

describe('CredentialWatch', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('ends a stream within one check of its expiry, and only that one', () => {
    vi.useFakeTimers({ now: 0 });
    const watch = new CredentialWatch(() => Date.now());
    const ended: string[] = [];
    watch.watch({}, { principal: principal(2_500), recheck: vi.fn(), end: () => ended.push('short') });
    watch.watch({}, { principal: principal(), recheck: vi.fn(), end: () => ended.push('token') });
    vi.advanceTimersByTime(2_000);
    expect(ended).toEqual([]);
    vi.advanceTimersByTime(EXPIRY_CHECK_MS);
    expect(ended).toEqual(['short']);
    expect(watch.size).toBe(1);
  });

  it('after a reload ends the revoked, keeps a stream whose check could not be made, and hands on new grants', async () => {
    const changed: Principal[] = [];
    const watch = new CredentialWatch(Date.now, (_call, p) => changed.push(p));
    const ended: string[] = [];
    const fresh = { ...principal(), name: 'fresh' };
    watch.watch(
      {},
      {
        principal: principal(),
        recheck: () => Promise.reject(new UnauthenticatedError('authorization: unknown token')),
        end: (err) => ended.push(err.message),
      },
    );
    watch.watch(
      {},
      {
        principal: principal(),
        recheck: () => Promise.reject(new UnavailableError('cannot fetch the JWKS')),
        end: () => ended.push('unavailable'),
      },
    );
    watch.watch(
      {},
      { principal: principal(), recheck: () => Promise.resolve(fresh), end: () => ended.push('ok') },
    );
    await watch.recheckAll();
    expect(ended).toEqual(['authorization: unknown token']);
    expect(changed).toEqual([fresh]);
    expect(watch.size).toBe(2);
  });

  it('stops its timer when the last stream closes', () => {
    vi.useFakeTimers();
    const watch = new CredentialWatch();
    const unwatch = watch.watch({}, { principal: principal(), recheck: vi.fn(), end: vi.fn() });
    expect(vi.getTimerCount()).toBe(1);
    unwatch();
    expect(vi.getTimerCount()).toBe(0);
  });
});
