import { afterEach, describe, expect, it } from 'vitest';
import { TcpProxy } from '../support/tcp-proxy.js';
import { Cleanup, uniquePrefix, uniqueQueue } from './fault-harness.js';

describe('fault: SIGTERM while the connections of its workers are frozen', () => {
  const cleanup = new Cleanup();
  afterEach(() => cleanup.run());

  it('stops within the drain grace and a bounded close, and exits 0', async () => {
    const s = await cleanup.server(uniquePrefix('sigterm-frozen'), [
      '--lease-reconnect-grace',
      '1s',
      '--drain-grace',
      '2s',
    ]);
    const proxy = new TcpProxy({ host: '127.0.0.1', port: s.port });
    const address = await proxy.start();
    cleanup.add(() => proxy.stop());
    const queue = uniqueQueue('sigterm-frozen');
    const producer = cleanup.producer(s.address);
    let started = 0;
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    const worker = cleanup.worker({
      addresses: [address],
      queues: [queue],
      concurrency: 4,
      // Holds its leases: the drain has to wait for them, then end the streams itself.
      handler: async () => {
        started++;
        await released;
        return 'late';
      },
    });
    await worker.start();
    await producer.enqueueBatch(Array.from({ length: 8 }, (_, i) => ({ queue, payload: `n${i}` })));
    await expect.poll(() => started, { timeout: 10_000, interval: 20 }).toBe(4);

    proxy.freeze();
    const signalled = Date.now();
    s.child.kill('SIGTERM');
    expect(await s.exited).toBe(0);
    // 2 s of drain grace, then the close: bounded, whatever the frozen peers do.
    expect(Date.now() - signalled).toBeLessThan(15_000);
    expect(s.output()).toContain('connections still open');
    release();
    proxy.cut();
  }, 60_000);
});
