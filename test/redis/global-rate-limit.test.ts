import { randomBytes } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { Producer } from '../../clients/index.js';
import { serverConfig } from '../../src/config/server-config.js';
import { RedisStore } from '../../src/lease-store/redis/redis-store.js';
import { rateIdentity } from '../../src/server/auth/store-rate-limits.js';
import { tempDir, writeTokenFile, type TestToken } from '../support/auth-fixtures.js';
import { FakeClock } from '../support/fake-clock.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

const RATE = 20;
const BURST = 10;
const LIMITED: TestToken = {
  name: 'limited-producer',
  token: 'limited-3f2e1d0c9b8a7f6e',
  grants: { '*': ['enqueue', 'read'] },
  rateLimit: { perSecond: RATE, burst: BURST },
};

describe('RedisStore.chargeRate (charge-1.lua)', () => {
  const open: RedisStore[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
  });

  async function store(clock: FakeClock): Promise<{ store: RedisStore; keyPrefix: string }> {
    const keyPrefix = `rate-${randomBytes(6).toString('hex')}`;
    const s = await RedisStore.connect({ url: inject('redisUrl'), keyPrefix, clock: clock.now });
    open.push(s);
    return { store: s, keyPrefix };
  }

  it('takes calls in order up to the burst, refuses the rest whole with the wait, refills at the rate', async () => {
    const clock = new FakeClock();
    const { store: s } = await store(clock);
    const limit = { perSecond: 10, burst: 5 };
    // 2 + 3 fit the burst; 1 more does not; 6 is over the burst and never fits.
    expect(await s.chargeRate('caller', limit, [2, 3, 1, 6])).toEqual([0, 0, 100, Infinity]);
    clock.advance(250);
    // 250 ms at 10/s is 2.5 tasks: 2 fit, a third waits 50 ms more.
    expect(await s.chargeRate('caller', limit, [2, 1])).toEqual([0, 50]);
    // Another caller has its own bucket.
    expect(await s.chargeRate('other', limit, [5])).toEqual([0]);
    clock.advance(10_000);
    // Refilled to the burst, never beyond.
    expect(await s.chargeRate('caller', limit, [5, 1])).toEqual([0, 100]);
  });

  it('keeps the bucket under a digest, and only until it would be full again', async () => {
    const clock = new FakeClock();
    const { store: s, keyPrefix } = await store(clock);
    const identity = rateIdentity('token:limited-producer');
    expect(identity).toMatch(/^[0-9a-f]{32}$/);
    await s.chargeRate(identity, { perSecond: 10, burst: 5 }, [5]);
    const redis = new Redis(inject('redisUrl'));
    try {
      const keys = await redis.keys(`${keyPrefix}:*`);
      expect(keys).toEqual([`${keyPrefix}:rate:{${identity}}`]);
      const ttl = await redis.pttl(keys[0]!);
      // Empty, it is full again after 500 ms; the key lives that and a second more.
      expect(ttl).toBeGreaterThan(1_000);
      expect(ttl).toBeLessThanOrEqual(1_500);
    } finally {
      redis.disconnect();
    }
  });
});

/**
 * Two replicas on one Redis, one token limited to RATE tasks/s (burst BURST), producers
 * on both sending as fast as they are let: the limit holds for the token over both
 * replicas, not once per replica.
 */
describe('a rate limit over two replicas', () => {
  const dir = tempDir();
  const servers: TestServer[] = [];
  const stores: RedisStore[] = [];
  const producers: Producer[] = [];

  beforeAll(async () => {
    const keyPrefix = `grl-${randomBytes(6).toString('hex')}`;
    const config = serverConfig({
      listen: '127.0.0.1:0',
      authTokenFile: writeTokenFile(dir.path('tokens.json'), [LIMITED]),
    });
    for (let i = 0; i < 2; i++) {
      const store = await RedisStore.connect({ url: inject('redisUrl'), keyPrefix });
      stores.push(store);
      servers.push(await startTestServer(store, config));
    }
  });

  afterAll(async () => {
    for (const p of producers) p.close();
    await Promise.all(servers.map((s) => s.stop()));
    await Promise.all(stores.map((s) => s.close()));
    dir.remove();
  });

  it('accepts at most rate × window + burst in all, and refuses the rest RESOURCE_EXHAUSTED', async () => {
    const WINDOW_MS = 2_000;
    let accepted = 0;
    const refusals: { code: number; details: string }[] = [];
    const queue = 'global-rate';
    const started = performance.now();
    const deadline = started + WINDOW_MS;
    // Four senders per replica, each enqueueing one task at a time until the window ends.
    await Promise.all(
      servers.flatMap((server) => {
        const producer = new Producer({ address: server.address, token: LIMITED.token });
        producers.push(producer);
        return Array.from({ length: 4 }, async () => {
          while (performance.now() < deadline) {
            try {
              await producer.enqueue(queue, 'x');
              accepted++;
            } catch (err) {
              const e = err as { code: number; details: string };
              refusals.push({ code: e.code, details: e.details });
              // A refused sender retries soon, not at once: the window, not the loop, is measured.
              await new Promise((r) => setTimeout(r, 5));
            }
          }
        });
      }),
    );
    const elapsedS = (performance.now() - started) / 1_000;
    const bound = RATE * elapsedS + BURST;
    // Per replica the bound would be doubled: 2 × (RATE × window + BURST).
    expect(accepted).toBeLessThanOrEqual(Math.ceil(bound));
    // Not starved either: the rate is granted (a refilled bucket is taken within ms).
    expect(accepted).toBeGreaterThanOrEqual(Math.floor(0.75 * RATE * elapsedS));
    expect(refusals.length).toBeGreaterThan(0);
    expect(new Set(refusals.map((r) => r.code))).toEqual(new Set([status.RESOURCE_EXHAUSTED]));
    expect(refusals[0]!.details).toMatch(
      /rate limit: "limited-producer" may enqueue 20 tasks\/s \(burst 10\)/,
    );
    // Nothing refused was stored: the queue holds exactly what was accepted.
    expect((await stores[0]!.stats(queue)).ready).toBe(accepted);
  }, 30_000);
});
