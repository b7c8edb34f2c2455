import { describe, expect, it } from 'vitest';
import { decodeStamp, encodeStamp, jobDataStamp, monoNs, stampJobData, type Stamp } from '../core/stamp.js';
import { LeaseRecorder } from './lease-recorder.js';

/** A delayed task of epoch 1 sent `monoAgoMs` ago by the monotonic clock and `wallAgoMs` ago by the wall clock. */
function delayed(delayMs: number, monoAgoMs: number, wallAgoMs: number): Stamp {
  return {
    sendNs: monoNs() - monoAgoMs * 1e6,
    sendWallMs: Date.now() - wallAgoMs,
    epoch: 1,
    priority: 0,
    delayMs,
  };
}

function leaseOne(stamp: Stamp): { early: number; earliestMs: number } {
  const recorder = new LeaseRecorder(1, 1);
  recorder.measure(1);
  recorder.lease(0, stamp);
  const { early, earliestMs } = recorder.snapshot();
  return { early, earliestMs };
}

describe('LeaseRecorder: delayed tasks', () => {
  it('counts a task leased before its due time by the wall clock as early', () => {
    // Sent 400 ms ago with a delay of 1 s: 600 ms early on both clocks.
    // The recorder reads both clocks again when the lease arrives, so time spent between the
    // stamp and the lease (a busy machine, a collection) shrinks the figure: bounds, not 600.
    const { early, earliestMs } = leaseOne(delayed(1_000, 400, 400));
    expect(early).toBe(1);
    expect(earliestMs).toBeGreaterThan(450);
    expect(earliestMs).toBeLessThanOrEqual(600);
  });

  it('reads early on the wall clock the store sets due times by, not the monotonic one', () => {
    // The wall clock stepped 50 ms forward since the send: due by the store's clock, though
    // only 960 ms of the 1 s delay passed on the monotonic clock.
    expect(leaseOne(delayed(1_000, 960, 1_010))).toEqual({ early: 0, earliestMs: 0 });
  });

  it('counts nothing early for a task leased after its due time', () => {
    expect(leaseOne(delayed(200, 250, 250))).toEqual({ early: 0, earliestMs: 0 });
  });
});

describe('bench stamps', () => {
  const stamp: Stamp = {
    sendNs: 123_456_789_012,
    sendWallMs: 1_796_437_164_801,
    epoch: 2,
    priority: 7,
    delayMs: 1_500,
  };

  it('round-trip through a codeQ payload of the asked size', () => {
    const payload = encodeStamp(stamp, 100);
    expect(payload.length).toBe(100);
    expect(decodeStamp(payload)).toEqual(stamp);
  });

  it('round-trip through BullMQ job data', () => {
    expect(jobDataStamp(stampJobData(stamp, 100))).toEqual(stamp);
  });
});
