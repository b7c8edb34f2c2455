import { describe, expect, it } from 'vitest';
import type { Lease, SettleOp } from '../../../src/domain/task.js';
import { NO_BACKOFF, type Harness, type MakeHarness } from '../harness.js';

type Kind = SettleOp['kind'];

/** A settle op of `kind` for `lease`, presenting `nonce` (the lease's own by default). */
function op(kind: Kind, lease: Lease, nonce = lease.nonce): SettleOp {
  const ref = { taskId: lease.task.id, token: lease.token, nonce };
  switch (kind) {
    case 'complete':
      return { kind, ...ref, result: Buffer.from('done') };
    case 'fail':
      return { kind, ...ref, error: 'broke', retryDelayMs: 0, permanent: false };
    case 'extend':
      return { kind, ...ref, extensionMs: 5000 };
    case 'release':
      return { kind, ...ref };
  }
}

/** A nonce of the right shape that the store did not issue: the lease's own, last character changed. */
function forged(lease: Lease): string {
  const last = lease.nonce.at(-1) === 'A' ? 'B' : 'A';
  return lease.nonce.slice(0, -1) + last;
}

async function settleOne(h: Harness, settle: SettleOp): Promise<string> {
  const [r] = await h.store.settle(h.queue, [settle]);
  return r!.status;
}

/** Lease nonces, true repeats of a settle, and the maximum lease age. */
export function leaseTrustCases(setup: MakeHarness): void {
  describe('lease nonce', () => {
    it('gives every lease its own nonce of at least 96 bits of URL-safe characters', async () => {
      const h = await setup();
      await h.add({ retry: NO_BACKOFF });
      await h.add();
      const [a, b] = await h.claim(2, 1000);
      for (const lease of [a!, b!]) expect(lease.nonce).toMatch(/^[A-Za-z0-9_-]{16,64}$/);
      expect(a!.nonce).not.toBe(b!.nonce);
      // The next lease of the same task gets a new nonce.
      h.clock.advance(1000);
      await h.reap();
      const again = await h.claimOne();
      expect(again.task.id).toBe(a!.task.id);
      expect(again.nonce).not.toBe(a!.nonce);
    });

    it.each(['complete', 'fail', 'extend', 'release'] as const)(
      'refuses a %s whose nonce does not match, and changes nothing',
      async (kind) => {
        const h = await setup();
        const id = await h.add();
        const lease = await h.claimOne();
        const before = await h.get(id);
        const [refused] = await h.store.settle(h.queue, [op(kind, lease, forged(lease))]);
        expect(refused).toMatchObject({ status: 'stale' });
        expect(await h.get(id)).toEqual(before);
        expect(await settleOne(h, op(kind, lease))).toBe('ok');
      },
    );

    it('refuses the nonce of an earlier lease of the task for the current one', async () => {
      const h = await setup();
      await h.add({ retry: NO_BACKOFF });
      const first = await h.claimOne(1000);
      h.clock.advance(1000);
      await h.reap();
      const second = await h.claimOne();
      expect(await settleOne(h, op('complete', second, first.nonce))).toBe('stale');
      expect((await h.get(second.task.id)).state).toBe('LEASED');
    });

    it('refuses a repeat of a successful settle that brings another nonce', async () => {
      const h = await setup();
      await h.add();
      const lease = await h.claimOne();
      expect(await settleOne(h, op('complete', lease))).toBe('ok');
      expect(await settleOne(h, op('complete', lease, forged(lease)))).toBe('stale');
      expect(await settleOne(h, op('complete', lease))).toBe('ok');
    });
  });

  describe('repeated settles', () => {
    it('answers the same complete twice with ok', async () => {
      const h = await setup();
      const id = await h.add();
      const lease = await h.claimOne();
      expect(await settleOne(h, op('complete', lease))).toBe('ok');
      expect(await settleOne(h, op('complete', lease))).toBe('ok');
      expect((await h.get(id)).result.toString()).toBe('done');
    });

    it('refuses a complete with another result and keeps the first', async () => {
      const h = await setup();
      const id = await h.add();
      const lease = await h.claimOne();
      expect(await settleOne(h, op('complete', lease))).toBe('ok');
      const [other] = await h.store.settle(h.queue, [
        {
          kind: 'complete',
          taskId: id,
          token: lease.token,
          nonce: lease.nonce,
          result: Buffer.from('other'),
        },
      ]);
      expect(other).toMatchObject({ status: 'stale' });
      expect((await h.get(id)).result.toString()).toBe('done');
    });

    it('refuses a fail after a complete, and a complete after a fail', async () => {
      const h = await setup();
      const done = await h.add();
      const broken = await h.add({ retry: NO_BACKOFF });
      const [a, b] = await h.claim(2);
      const lease = (id: string): Lease => (a!.task.id === id ? a! : b!);
      expect(await settleOne(h, op('complete', lease(done)))).toBe('ok');
      expect(await settleOne(h, op('fail', lease(done)))).toBe('stale');
      expect(await settleOne(h, op('fail', lease(broken)))).toBe('ok');
      expect(await settleOne(h, op('complete', lease(broken)))).toBe('stale');
      expect(await h.get(done)).toMatchObject({ state: 'COMPLETED', lastError: '' });
      expect(await h.get(broken)).toMatchObject({ state: 'PENDING', lastError: 'broke' });
    });

    it('answers the same fail twice with ok, and refuses a fail with another error', async () => {
      const h = await setup();
      const id = await h.add({ retry: NO_BACKOFF });
      const lease = await h.claimOne();
      expect(await settleOne(h, op('fail', lease))).toBe('ok');
      expect(await settleOne(h, op('fail', lease))).toBe('ok');
      const [other] = await h.store.settle(h.queue, [
        { ...op('fail', lease), error: 'another error' } as SettleOp,
      ]);
      expect(other).toMatchObject({ status: 'stale' });
      expect((await h.get(id)).lastError).toBe('broke');
    });

    it('answers a repeated release with ok, and refuses a complete after it', async () => {
      const h = await setup();
      await h.add();
      const lease = await h.claimOne();
      expect(await settleOne(h, op('release', lease))).toBe('ok');
      expect(await settleOne(h, op('release', lease))).toBe('ok');
      expect(await settleOne(h, op('complete', lease))).toBe('stale');
    });
  });

  describe('max lease age', () => {
    it('stops an extend at the first-leased time + maxLeaseAgeMs, and refuses one once the lease is there', async () => {
      const h = await setup({ maxLeaseAgeMs: 60_000 });
      await h.add();
      const lease = await h.claimOne(50_000);
      const extend = (extensionMs: number): SettleOp => ({ ...op('extend', lease), extensionMs }) as SettleOp;
      const cap = h.clock.now() + 60_000;
      h.clock.advance(30_000);
      // 30 s + 50 s would pass the age limit: the lease gets what is left, and says so.
      expect((await h.store.settle(h.queue, [extend(50_000)]))[0]).toEqual({ status: 'ok', deadline: cap });
      h.clock.advance(10_000);
      const [shorter] = await h.store.settle(h.queue, [extend(5_000)]);
      expect(shorter).toEqual({ status: 'ok', deadline: h.clock.now() + 5_000 });
      expect((await h.store.settle(h.queue, [extend(30_000)]))[0]).toEqual({ status: 'ok', deadline: cap });
      // At the limit nothing more can be given: refused, with the deadline the lease keeps.
      h.clock.advance(1_000);
      const [refused] = await h.store.settle(h.queue, [extend(30_000)]);
      expect(refused).toMatchObject({ status: 'stale', deadline: cap });
      expect(refused!.status === 'stale' && refused!.message).toContain('max lease age');
      expect(refused!.status === 'stale' && refused!.message).toContain(new Date(cap).toISOString());
      expect(await settleOne(h, op('complete', lease))).toBe('ok');
    });

    it('refuses an extend past the first-leased time + maxLeaseAgeMs once there, saying why, and redelivers at the deadline', async () => {
      const h = await setup({ maxLeaseAgeMs: 60_000 });
      const id = await h.add({ retry: NO_BACKOFF });
      const lease = await h.claimOne(50_000);
      h.clock.advance(45_000);
      const extend = (extensionMs: number): SettleOp => ({ ...op('extend', lease), extensionMs }) as SettleOp;
      // Up to the age limit exactly is allowed.
      const [upTo] = await h.store.settle(h.queue, [extend(15_000)]);
      expect(upTo).toEqual({ status: 'ok', deadline: h.clock.now() + 15_000 });
      h.clock.advance(5_000);
      const [past] = await h.store.settle(h.queue, [extend(10_001)]);
      expect(past).toMatchObject({ status: 'stale' });
      expect(past!.status === 'stale' && past!.message).toContain('max lease age');
      // The lease still runs to the deadline it had, then the task comes back.
      expect(await h.get(id)).toMatchObject({ state: 'LEASED', attempt: 1 });
      h.clock.advance(10_000);
      await h.reap();
      const again = await h.claimOne(55_000);
      expect(again.task).toMatchObject({ id, attempt: 2 });
      // A new lease counts its age from its own claim.
      h.clock.advance(50_000);
      const [fresh] = await h.store.settle(h.queue, [
        { ...op('extend', again), extensionMs: 10_000 } as SettleOp,
      ]);
      expect(fresh).toMatchObject({ status: 'ok' });
    });

    it('still takes a complete of a lease past its age while the lease holds', async () => {
      const h = await setup({ maxLeaseAgeMs: 5_000 });
      await h.add();
      const lease = await h.claimOne(10_000);
      h.clock.advance(6_000);
      expect(await settleOne(h, op('extend', lease))).toBe('stale');
      expect(await settleOne(h, op('complete', lease))).toBe('ok');
    });
  });
}
