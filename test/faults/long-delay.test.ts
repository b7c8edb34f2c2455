import { afterEach, describe, expect, it } from 'vitest';
import { TaskError } from '../../clients/index.js';
import { cpuTimeMs, runCount } from '../support/server-process.js';
import { Cleanup, uniquePrefix, uniqueQueue } from './fault-harness.js';

const DAY = 24 * 3_600_000;
/** How long the server's CPU is measured once the long delays are in place. */
const WINDOW_MS = 4_000;
/**
 * The spin this guards against re-armed a 1 ms timer (Node's answer to a delay past 2^31−1
 * ms) and used 27 % of a core. An idle server wakes a few times a second (the store's
 * health probe, the sweep); on a small VM each wake-up can cost several ms of CPU, so the
 * wake-ups are the sharp measure and the CPU bound only a generous one.
 */
const WAKEUPS_PER_SECOND_BOUND = 50;
const CPU_BOUND = 0.15;

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
    const runsBefore = runCount(pid);
    await new Promise((r) => setTimeout(r, WINDOW_MS));
    const share = (cpuTimeMs(pid) - before) / WINDOW_MS;
    const wakeups = ((runCount(pid) - runsBefore) * 1000) / WINDOW_MS;
    console.log(
      `server while two tasks wait 30 days: ${(share * 100).toFixed(1)} % of one core, ${wakeups.toFixed(1)} wake-ups/s`,
    );
    expect(wakeups).toBeLessThan(WAKEUPS_PER_SECOND_BOUND);
    expect(share).toBeLessThan(CPU_BOUND);
    expect(failed).toBe(1);
    expect(s.output()).not.toContain('TimeoutOverflowWarning');
  });
});
