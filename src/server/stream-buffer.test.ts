import { afterEach, describe, expect, it, vi } from 'vitest';
import { BufferLimits } from './server-limits.js';
import { StreamBuffer } from './stream-buffer.js';

/** A stream's buffer whose writes the test completes by hand, as the transport would. */
function stream(server: BufferLimits, maxBytes: number, stallMs = 1_000, maxLeaseBytes = 10) {
  const events = { room: vi.fn(), stalled: vi.fn() };
  const buffer = new StreamBuffer(server, maxBytes, stallMs, events, maxLeaseBytes);
  const pending: (() => void)[] = [];
  const write = (size: number, leases = 1): boolean =>
    buffer.write(size, leases, (taken) => (pending.push(taken), true));
  return { buffer, events, pending, write };
}

describe('StreamBuffer', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("refuses past the stream's cap until the transport takes bytes, then tells the stream once", () => {
    const server = new BufferLimits(1_000);
    const s = stream(server, 100);
    // Holding nothing, a message larger than the stream's cap still goes, alone.
    expect(s.buffer.admits(150)).toBe(true);
    s.write(150);
    expect(s.buffer.admits(1)).toBe(false);
    // Refused once, it stays refused (no claim-and-give-back loop) until bytes are taken.
    expect(s.buffer.admits(1)).toBe(false);
    expect(server.heldBytes).toBe(150);
    s.pending.shift()!();
    expect(s.events.room).toHaveBeenCalledTimes(1);
    expect(server.heldBytes).toBe(0);
    expect(s.buffer.admits(60)).toBe(true);
    s.write(60);
    expect(s.buffer.admits(50)).toBe(false);
  });

  it("refuses every stream past the server's cap, and wakes them when a stream's bytes are taken", () => {
    const server = new BufferLimits(100);
    const a = stream(server, 1_000);
    const b = stream(server, 1_000);
    a.write(80);
    expect(b.buffer.admits(30)).toBe(false);
    expect(b.buffer.admits(1)).toBe(false);
    a.pending.shift()!();
    expect(b.events.room).toHaveBeenCalledTimes(1);
    expect(b.buffer.admits(30)).toBe(true);
  });

  it('ends a stream whose worker reads nothing for the stall time, and frees what it held', () => {
    vi.useFakeTimers();
    const server = new BufferLimits(1_000);
    const s = stream(server, 1_000, 1_000);
    s.write(10);
    s.write(10);
    vi.advanceTimersByTime(900);
    // Progress restarts the clock.
    s.pending.shift()!();
    vi.advanceTimersByTime(900);
    expect(s.events.stalled).not.toHaveBeenCalled();
    vi.advanceTimersByTime(100);
    expect(s.events.stalled).toHaveBeenCalledTimes(1);
    expect(s.events.stalled.mock.calls[0]![0]).toMatch(
      /the worker read none of the 10 bytes of leases waiting for it in 1000 ms \(--max-stream-stall\)/,
    );
    s.buffer.close();
    expect(server.heldBytes).toBe(0);
    // A late callback of the transport changes nothing.
    s.pending.shift()!();
    expect(server.heldBytes).toBe(0);
  });

  it('lets the dispatcher claim only as many leases as fit the room, at the size of the last ones', () => {
    const server = new BufferLimits(1_000);
    // First guess: the largest lease allowed (100 bytes): 5 fit the stream's 500.
    const s = stream(server, 500, 1_000, 100);
    expect(s.buffer.leases(50)).toBe(5);
    s.write(100, 10); // 10 bytes a lease: 400 left in the stream's room, 40 leases
    expect(s.buffer.leases(50)).toBe(40);
    // Cut short by the room: told when bytes are taken, and then the room is whole again.
    s.pending.shift()!();
    expect(s.events.room).toHaveBeenCalledTimes(1);
    expect(s.buffer.leases(30)).toBe(30);
    // A lease larger than every cap still goes, alone, when nothing is held.
    const big = stream(new BufferLimits(50), 40, 1_000, 1_000);
    expect(big.buffer.leases(10)).toBe(1);
  });

  it('stops the stall clock once everything was taken', () => {
    vi.useFakeTimers();
    const s = stream(new BufferLimits(1_000), 1_000, 1_000);
    s.write(10);
    s.pending.shift()!();
    vi.advanceTimersByTime(5_000);
    expect(s.events.stalled).not.toHaveBeenCalled();
  });
});
