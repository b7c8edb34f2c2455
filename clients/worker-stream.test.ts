import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { ClaimRequest } from '../src/api/generated/codeq/v1/ClaimRequest.js';
import { WorkerStream, type ClaimCall } from './worker-stream.js';

/** Just enough of a grpc-js client call to drive a session without a network. */
class FakeCall extends EventEmitter {
  readonly written: ClaimRequest[] = [];
  accept = true;
  halfClosed = false;
  cancelled = false;
  write(message: ClaimRequest): boolean {
    this.written.push(message);
    return this.accept;
  }
  end(): void {
    this.halfClosed = true;
  }
  cancel(): void {
    this.cancelled = true;
    this.emit('status', { code: 1, details: 'Cancelled on client', metadata: undefined });
  }
}

function session(call: FakeCall, credit = 3): WorkerStream {
  return new WorkerStream(call as unknown as ClaimCall, { open: { queues: ['q'] }, credit }, 30_000);
}

describe('WorkerStream', () => {
  it('writes the open at once and counts its credit as the window', () => {
    const call = new FakeCall();
    const s = session(call, 3);
    expect(call.written).toEqual([{ open: { queues: ['q'] }, credit: 3 }]);
    expect(s.window).toBe(3);
    expect(s.opened).toBe(false);
  });

  it('counts credit written as the window, leases received against it, and grants only the rest', () => {
    const call = new FakeCall();
    const s = session(call, 3);
    call.emit('data', {
      opened: { sessionId: 's-1' },
      leases: [{ leaseId: 'a' }, { leaseId: 'b' }],
      outcomes: [],
    });
    expect(s.window).toBe(1);
    expect(s.creditFor(3)).toBe(2);
    expect(s.creditFor(1)).toBe(0);
    s.write({ credit: 2 });
    expect(s.window).toBe(3);
    // More leases than credit (a server that breaks the protocol) never take the window below zero.
    call.emit('data', {
      leases: [{ leaseId: 'c' }, { leaseId: 'd' }, { leaseId: 'e' }, { leaseId: 'f' }],
      outcomes: [],
    });
    expect(s.window).toBe(0);
    s.draining = true;
    expect(s.creditFor(3)).toBe(0);
  });

  it('takes the session id and lease duration from the first opened, announced once', () => {
    const call = new FakeCall();
    const s = session(call);
    const events: string[] = [];
    s.on('opened', () => events.push('opened'));
    s.on('response', () => events.push('response'));
    const opened = { opened: { sessionId: 's-1', leaseDuration: { seconds: 10 } }, leases: [], outcomes: [] };
    call.emit('data', opened);
    call.emit('data', { ...opened, opened: { sessionId: 's-2' } });
    expect(events).toEqual(['opened', 'response', 'response']);
    expect(s.opened).toBe(true);
    expect(s.sessionId).toBe('s-1');
    expect(s.leaseDurationMs).toBe(10_000);
  });

  it("is not writable after a write returned false, until 'drain'", () => {
    const call = new FakeCall();
    call.accept = false;
    const s = session(call);
    expect(s.writable).toBe(false);
    let drained = 0;
    s.on('drain', () => drained++);
    call.emit('drain');
    expect(s.writable).toBe(true);
    expect(drained).toBe(1);
  });

  it("reports the end once, with the error grpc-js raised before 'status'", () => {
    const call = new FakeCall();
    const s = session(call);
    const closed: unknown[][] = [];
    s.on('closed', (...args) => closed.push(args));
    const error = Object.assign(new Error('14 UNAVAILABLE: gone'), { code: 14 });
    call.emit('error', error);
    call.emit('status', { code: 14, details: 'gone' });
    call.emit('status', { code: 14, details: 'gone' });
    expect(closed).toEqual([[{ code: 14, details: 'gone' }, error]]);
    expect(s.closed).toBe(true);
    expect(s.writable).toBe(false);
  });

  it('end() half-closes, and cancels when the server does not finish in time', async () => {
    const call = new FakeCall();
    const s = session(call);
    await s.end(20);
    expect(call.halfClosed).toBe(true);
    expect(call.cancelled).toBe(true);
    expect(() => s.write({ credit: 1 })).toThrow(/finished/);
  });
});
