import { afterEach, describe, expect, it } from 'vitest';
import { TaskError } from '../../clients/index.js';
import { cpuTimeMs } from '../support/server-process.js';
import { Cleanup, uniquePrefix, uniqueQueue } from './fault-harness.js';

const DAY = 24 * 3_600_000;
/** How long the server's CPU is measured once the long delays are in place. */
const WINDOW_MS = 4_000;
/** Under 5 % of one core over the window; the spin this guards against used 27 %. */
const CPU_BOUND = 0.05;

describe('fault: tasks due in 30 days', () => {
  const cleanup = new Cleanup();
  afterEach(() => cleanup.run());

  it('cost the server no CPU while they wait (an Enqueue delay and a fail retry delay)', async () => {
    const s = await cleanup.server(uniquePrefix('long-delay'));
    const producer = cleanup.producer(s.address);
    // Nobody serves this queue: each wake-up of its due timer is a reap.
    await producer.enqueue(uniqueQueue('delayed'), Buffer.from('later'), { delayMs: 30 * DAY });

    const queue = uniqueQueue('retried');
    let failed = 0;
    const worker = cleanup.worker({
      address: s.address,
      queues: [queue],
      concurrency: 4,
      leaseDurationMs: 1_000,
      handler: () => {
        failed++;
        throw new TaskError('come back next month', { retryDelayMs: 30 * DAY });
      },
    });
    await worker.start();
    await producer.enqueue(queue, Buffer.from('now'));
    await expect.poll(() => failed, { timeout: 10_000 }).toBe(1);
    // The lease's deadline timer (1 s) passes; then only the 30-day retry is timed.
    await new Promise((r) => setTimeout(r, 2_000));

    const pid = s.child.pid!;
    const before = cpuTimeMs(pid);
    await new Promise((r) => setTimeout(r, WINDOW_MS));
    const share = (cpuTimeMs(pid) - before) / WINDOW_MS;
    console.log(`server CPU while two tasks wait 30 days: ${(share * 100).toFixed(1)} % of one core`);
    expect(share).toBeLessThan(CPU_BOUND);
    expect(failed).toBe(1);
    expect(s.output()).not.toContain('TimeoutOverflowWarning');
  });
});
