import type { BufferLimits } from './server-limits.js';

/** What a StreamBuffer tells its stream. */
export interface StreamBufferEvents {
  /** There is room again after the stream was refused some: lease to it again. */
  room(): void;
  /** The worker read nothing for the stall time while bytes waited for it: end the stream. */
  stalled(message: string): void;
}

/**
 * The lease bytes one Claim stream wrote that the transport has not taken yet (its worker
 * reads slower than it grants credit, or not at all), within the stream's cap
 * (`--max-stream-buffered-bytes`) and the server's (`--max-buffered-bytes`, BufferLimits).
 * A stream holding bytes that sees none of them taken for `stallMs` (`--max-stream-stall`)
 * is stalled: its stream ends, which frees them, so stuck workers cannot hold the
 * server's room for ever.
 */
export class StreamBuffer {
  #held = 0;
  #stallTimer: NodeJS.Timeout | undefined;
  /** When the transport last took bytes of this stream (ms, Date.now()). */
  #lastTakenMs = 0;
  #closed = false;
  /**
   * Refused since the last room: no more until the transport takes some bytes (or the
   * server has room), so a refused delivery is not claimed and given back in a loop.
   */
  #blocked = false;
  /** The last `leases` answer was cut short by the room left: tell the stream when bytes are taken. */
  #limited = false;
  /**
   * Bytes a lease message took per lease, last time (the first guess is the largest
   * payload allowed): how many leases `leases` lets the dispatcher claim into the room.
   */
  #bytesPerLease: number;
  readonly #wake = (): void => {
    if (this.#closed || !(this.#blocked || this.#limited)) return;
    this.#blocked = false;
    this.#limited = false;
    this.#events.room();
  };
  readonly #server: BufferLimits;
  readonly #maxBytes: number;
  readonly #stallMs: number;
  readonly #events: StreamBufferEvents;

  constructor(
    server: BufferLimits,
    maxBytes: number,
    stallMs: number,
    events: StreamBufferEvents,
    maxLeaseBytes: number,
  ) {
    this.#server = server;
    this.#maxBytes = maxBytes;
    this.#stallMs = stallMs;
    this.#events = events;
    this.#bytesPerLease = Math.max(1, maxLeaseBytes);
  }

  /**
   * How many of `permits` leases to claim for this stream now: as many as the room left
   * (the stream's and the server's) holds at the size of its last leases, at least one
   * when nothing is held. 0 while refused; the stream hears `room` when that changes.
   */
  leases(permits: number): number {
    if (this.#blocked || permits <= 0) return 0;
    const streamRoom = this.#held === 0 ? this.#maxBytes : Math.max(0, this.#maxBytes - this.#held);
    const room = Math.min(streamRoom, this.#server.roomBytes);
    const fit = Math.floor(room / this.#bytesPerLease);
    const n = Math.min(permits, this.#held === 0 && this.#server.heldBytes === 0 ? Math.max(1, fit) : fit);
    if (n === 0) {
      this.#blocked = true;
      if (this.#held === 0) this.#server.whenFree(this.#wake);
    } else if (n < permits) {
      this.#limited = true;
      if (this.#held === 0) this.#server.whenFree(this.#wake);
    }
    return n;
  }

  /** Bytes of this stream written and not yet taken. */
  get heldBytes(): number {
    return this.#held;
  }

  /**
   * Whether `size` more bytes may be written now; when not, `room` is called once there
   * is (the transport took some of this stream's bytes, or the server's).
   */
  admits(size: number): boolean {
    if (this.#blocked) return false;
    if (this.#server.admits(this.#held, size, this.#maxBytes, this.#wake)) return true;
    this.#blocked = true;
    return false;
  }

  /**
   * Counts `size` bytes of `leases` leases while `write` hands them to the transport; `write` must call
   * `taken` once the transport took them (grpc-js: the write callback). Returns what
   * `write` returned.
   */
  write(size: number, leases: number, write: (taken: () => void) => boolean): boolean {
    this.#bytesPerLease = Math.max(1, Math.ceil(size / Math.max(1, leases)));
    this.#held += size;
    this.#server.hold(size);
    if (!this.#stallTimer) {
      this.#lastTakenMs = Date.now();
      this.#stallTimer = this.#armStall(this.#stallMs);
    }
    let done = false;
    return write(() => {
      if (done || this.#closed) return;
      done = true;
      this.#held -= size;
      this.#server.free(size);
      // Progress: the worker reads. The stall timer looks at this when it fires (one timer
      // a stall time, not one per message).
      this.#lastTakenMs = Date.now();
      this.#wake();
    });
  }

  /** The stream ended: what it held is freed (grpc-js drops unsent messages). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#stallTimer);
    this.#server.forget(this.#wake);
    this.#server.free(this.#held);
    this.#held = 0;
  }

  #armStall(inMs: number): NodeJS.Timeout {
    const timer = setTimeout(() => {
      this.#stallTimer = undefined;
      if (this.#closed || this.#held === 0) return;
      const sinceMs = Date.now() - this.#lastTakenMs;
      if (sinceMs < this.#stallMs) {
        this.#stallTimer = this.#armStall(this.#stallMs - sinceMs);
        return;
      }
      this.#events.stalled(
        `stream: the worker read none of the ${this.#held} bytes of leases waiting for it in ${this.#stallMs} ms ` +
          `(--max-stream-stall); its leases come back after the reconnect grace`,
      );
    }, inMs);
    timer.unref();
    return timer;
  }
}
