import { describe, expect, it, vi } from 'vitest';
import type { TaskState } from '../domain/task.js';
import { FinishWaiters, isFinal } from './finish-waiters.js';

describe('FinishWaiters', () => {
  it('reads again on every wake-up and ends only on a finished task', async () => {
    const waiters = new FinishWaiters();
    let state: TaskState = 'PENDING';
    let reads = 0;
    const waiting = waiters.until('q\nid', 10_000, undefined, () => {
      reads++;
      return Promise.resolve({ state });
    });
    await vi.waitFor(() => expect(reads).toBe(1));
    // A wake-up that is not a finish (a resubscribe re-check) reads again and keeps waiting.
    waiters.notifyAll();
    await vi.waitFor(() => expect(reads).toBe(2));
    expect(waiters.has('q\nid')).toBe(true);
    state = 'COMPLETED';
    waiters.notify('q\nid');
    expect(await waiting).toEqual({ state: 'COMPLETED' });
    expect(reads).toBe(3);
    expect(waiters.keys()).toEqual([]);
  });

  it('answers with the task as it stands when the time is up or the signal aborts', async () => {
    const waiters = new FinishWaiters();
    let reads = 0;
    const read = (): Promise<{ state: TaskState }> => (reads++, Promise.resolve({ state: 'LEASED' }));
    expect(await waiters.until('k', 10, undefined, read)).toEqual({ state: 'LEASED' });
    const abort = new AbortController();
    const before = reads;
    const waiting = waiters.until('k', 10_000, abort.signal, read);
    // Aborted while it waits, after its first read.
    await vi.waitFor(() => expect(reads).toBe(before + 1));
    abort.abort();
    expect(await waiting).toEqual({ state: 'LEASED' });
    expect(waiters.keys()).toEqual([]);
  });

  it('counts COMPLETED, DEAD and CANCELLED as finished', () => {
    expect(
      ['PENDING', 'SCHEDULED', 'LEASED', 'COMPLETED', 'DEAD', 'CANCELLED'].filter((s) =>
        isFinal(s as TaskState),
      ),
    ).toEqual(['COMPLETED', 'DEAD', 'CANCELLED']);
  });
});
