import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Worker } from '../../clients/index.js';
import { RedisStore } from '../../src/lease-store/redis/redis-store.js';
import { startConsoleFixture, type ConsoleFixture } from './console-fixture.js';

/** Two replicas on one Redis, each with its console: the same queues, each its own latency figures. */
describe('consoles of two replicas on one Redis', () => {
  const replicas: ConsoleFixture[] = [];

  beforeAll(async () => {
    const keyPrefix = `console-${randomBytes(6).toString('hex')}`;
    for (const name of ['replica-a', 'replica-b']) {
      const store = await RedisStore.connect({ url: inject('redisUrl'), keyPrefix });
      replicas.push(await startConsoleFixture({}, { store, replica: name }));
    }
  });
  afterAll(async () => {
    for (const r of replicas) await r.stop();
  });

  it('list the same queues and counts, and say whose latency figures they show', async () => {
    const [a, b] = replicas as [ConsoleFixture, ConsoleFixture];
    const p = a.producer();
    for (let i = 0; i < 3; i++) await p.enqueue('orders', `o${i}`);
    await p.enqueue('refunds', 'r');
    const ready = async (url: string, queue: string): Promise<string | undefined> => {
      const text = await (await fetch(url)).text();
      const row = new RegExp(`<tr data-queue="${queue}">[\\s\\S]*?data-col="ready">(\\d+)<`).exec(text);
      return row?.[1];
    };
    for (const r of replicas) {
      expect(await ready(r.url, 'orders')).toBe('3');
      expect(await ready(r.url, 'refunds')).toBe('1');
    }
    // A worker on replica B takes the orders: only B's latency page has claims, on Redis.
    const worker = new Worker({
      address: b.server.address,
      queues: ['orders'],
      logger: { warn() {} },
      handler: async () => 'ok',
    });
    // Every order completed, not only leased: a lease still out when the worker stops
    // would go back to the queue and show as ready again.
    let completed = 0;
    worker.on('settled', ({ kind }) => {
      if (kind === 'COMPLETE') completed++;
    });
    await worker.start();
    await expect.poll(() => completed, { timeout: 10_000 }).toBe(3);
    await worker.stop();
    expect((await b.store.stats('orders')).ready).toBe(0);
    const claims = async (r: ConsoleFixture): Promise<{ replica: boolean; count: number }> => {
      const text = await (await fetch(`${r.url}latency`)).text();
      const m =
        /data-stage="claim">\s*<td class="mono">codeq\.redis\.claim<\/td>\s*<td class="num">([\d,]+)</.exec(
          text,
        );
      return {
        replica: text.includes(`replica <b>${r === a ? 'replica-a' : 'replica-b'}</b>`),
        count: Number(m?.[1]?.replace(/,/g, '') ?? NaN),
      };
    };
    const onB = await claims(b);
    expect(onB.replica).toBe(true);
    expect(onB.count).toBeGreaterThan(0);
    expect(await claims(a)).toEqual({ replica: true, count: 0 });
    expect(await ready(a.url, 'orders')).toBe('0');
  });
});
