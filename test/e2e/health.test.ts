import { afterEach, describe, expect, it, vi } from 'vitest';
import type { LeaseStore } from '../../src/lease-store/lease-store.js';
import { MemoryStore } from '../../src/lease-store/memory/memory-store.js';
import { HEALTH_SERVICES } from '../../src/server/health.js';
import { checkHealth, watchHealth } from '../support/health-client.js';
import { rawClients, RawStream, startTestServer } from '../support/test-server.js';
import { UnavailableError } from '../../src/domain/errors.js';

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

describe('grpc.health.v1.Health', () => {
  it('is SERVING for the server and both services while the store answers, NOT_SERVING from the drain on', async () => {
    const store = new MemoryStore();
    cleanup.push(() => store.close());
    // A long drain grace: a stream stays open, so the server sits in DRAINING.
    const server = await startTestServer(store, { drainGraceMs: 2_000 });
    for (const name of HEALTH_SERVICES) {
      await vi.waitFor(async () => expect(await checkHealth(server.address, name)).toBe('SERVING'));
    }
    // A watch opened before the drain hears it; new calls go elsewhere (GOAWAY).
    const watch = watchHealth(server.address, 'codeq.v1.WorkerService');
    cleanup.push(() => watch.close());
    await vi.waitFor(() => expect(watch.statuses).toEqual(['SERVING']));
    // An open stream keeps the server draining until the stream ends.
    const clients = rawClients(server.address);
    cleanup.push(() => clients.close());
    const stream = new RawStream(clients.workers);
    stream.send({ open: { workerId: 'w', queues: ['q'] }, credit: 1 });
    await stream.next((m) => m.opened != null);
    const stopped = server.stop();
    expect(server.server.state).toBe('DRAINING');
    await vi.waitFor(() => expect(watch.statuses).toEqual(['SERVING', 'NOT_SERVING']));
    await expect(checkHealth(server.address)).rejects.toMatchObject({ code: 14 });
    stream.stream.end();
    await stopped;
  });

  it('is NOT_SERVING while the store does not answer, and SERVING again once it does', async () => {
    const store = new MemoryStore();
    cleanup.push(() => store.close());
    let down = false;
    // A store whose task lookups fail the way an unreachable Redis fails them.
    const flaky = new Proxy(store, {
      get(target, key, receiver) {
        if (key === 'getTask' && down) return () => Promise.reject(new UnavailableError('Redis unavailable'));
        const value = Reflect.get(target, key, receiver) as unknown;
        // The store's methods use private fields: call them on the store itself.
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    }) as LeaseStore;
    const server = await startTestServer(flaky);
    cleanup.push(() => server.stop());
    await vi.waitFor(async () => expect(await checkHealth(server.address)).toBe('SERVING'));
    down = true;
    await vi.waitFor(async () => expect(await checkHealth(server.address)).toBe('NOT_SERVING'), {
      timeout: 5_000,
      interval: 100,
    });
    down = false;
    await vi.waitFor(async () => expect(await checkHealth(server.address)).toBe('SERVING'), {
      timeout: 5_000,
      interval: 100,
    });
  });
});
