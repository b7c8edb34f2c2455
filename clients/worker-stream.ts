import { EventEmitter } from 'node:events';
import type * as grpc from '@grpc/grpc-js';
import type { ClaimRequest } from '../src/api/generated/codeq/v1/ClaimRequest.js';
import type { ClaimResponse__Output } from '../src/api/generated/codeq/v1/ClaimResponse.js';
import { durationToMs } from '../src/api/time.js';
import { setLongTimeout } from '../src/domain/long-timeout.js';

/** The Claim call as the session uses it; grpc-js's ClientDuplexStream is one. */
export type ClaimCall = grpc.ClientDuplexStream<ClaimRequest, ClaimResponse__Output>;

/** Events of one {@link WorkerStream}. */
export interface WorkerStreamEvents {
  /** The server accepted the open; emitted once, before the 'response' of the message carrying it. */
  opened: [];
  /** Every message the server sent, in order, including the one carrying `opened`. */
  response: [ClaimResponse__Output];
  /** The stream accepts writes again after a write returned false. */
  drain: [];
  /** The stream is over, for whatever reason; emitted exactly once. `error` is set for non-OK statuses. */
  closed: [grpc.StatusObject, grpc.ServiceError | undefined];
}

/**
 * One Claim stream: writes with backpressure, the open handshake, the stream's credit
 * window, and one `closed` event however the stream ends. Knows nothing of handlers or
 * settles; the worker decides what to write and when, and asks {@link creditFor} how much
 * credit to grant.
 */
export class WorkerStream extends EventEmitter<WorkerStreamEvents> {
  readonly #call: ClaimCall;
  #sessionId: string | undefined;
  #leaseDurationMs: number;
  #maxResultBytes: number | undefined;
  #maxCredit: number | undefined;
  #writable = true;
  #ending = false;
  #closed = false;
  #error: grpc.ServiceError | undefined;
  /** Credit granted on this stream minus leases received on it; never below zero. */
  #window = 0;

  /** The server announced it is shutting down: no more leases will come on this stream. */
  draining = false;

  /**
   * Takes over a freshly started call and writes `first` (open + credit) at once.
   * `requestedLeaseMs` stands in for the lease duration until the server confirms its own.
   */
  constructor(call: ClaimCall, first: ClaimRequest, requestedLeaseMs: number) {
    super();
    this.#call = call;
    this.#leaseDurationMs = requestedLeaseMs;
    call.on('data', (message: ClaimResponse__Output) => {
      // Every lease uses one permit, whether the worker runs it, holds it or gives it back.
      if (message.leases.length > 0) this.#window = Math.max(0, this.#window - message.leases.length);
      if (message.opened && this.#sessionId === undefined) {
        this.#sessionId = message.opened.sessionId ?? '';
        this.#leaseDurationMs = durationToMs(message.opened.leaseDuration) || requestedLeaseMs;
        this.#maxResultBytes = message.opened.maxResultBytes || undefined;
        this.#maxCredit = message.opened.maxCredit || undefined;
        // What the open granted beyond maxCredit the server dropped, and the window keeps
        // counting it on purpose: never used, it stays reserved, so the leases held plus
        // the credit the server has left stay within maxCredit (the cap applies to unused
        // credit only; a window cut to maxCredit would let the worker hold more).
        this.emit('opened');
      }
      this.emit('response', message);
    });
    // grpc-js reports a non-OK end as 'error' and then always as 'status'; 'status' is the one signal.
    call.on('error', (err: grpc.ServiceError) => {
      this.#error = err;
    });
    call.on('status', (status: grpc.StatusObject) => {
      if (this.#closed) return;
      this.#closed = true;
      this.#writable = false;
      this.emit('closed', status, this.#error);
    });
    call.on('drain', () => {
      if (this.#closed || this.#ending) return;
      this.#writable = true;
      this.emit('drain');
    });
    this.write(first);
  }

  /** Credit granted on this stream and not yet used by a lease. */
  get window(): number {
    return this.#window;
  }

  /**
   * The credit to grant now so that what the stream may still send covers `room` leases:
   * `room` less the unused credit, and 0 once the server is draining (it sends no more).
   */
  creditFor(room: number): number {
    return this.draining ? 0 : Math.max(0, room - this.#window);
  }

  /** True once the server answered the open. */
  get opened(): boolean {
    return this.#sessionId !== undefined;
  }

  get sessionId(): string | undefined {
    return this.#sessionId;
  }

  /** The lease length the server confirmed, or the requested one before it did. */
  get leaseDurationMs(): number {
    return this.#leaseDurationMs;
  }

  /** The largest result the server said it accepts; undefined before it opened or if it did not say. */
  get maxResultBytes(): number | undefined {
    return this.#maxResultBytes;
  }

  /**
   * The most unused credit the server keeps for this stream (its --max-stream-credit), so
   * the most leases the worker holds at a time; undefined before it opened or if it did not say.
   */
  get maxCredit(): number | undefined {
    return this.#maxCredit;
  }

  /** False while grpc-js buffers more than it wants (wait for 'drain'), and after the stream ended. */
  get writable(): boolean {
    return this.#writable && !this.#ending && !this.#closed;
  }

  /** True once end() was called: nothing more is written. */
  get ending(): boolean {
    return this.#ending;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Writes one message; its credit counts in the window from now. The caller checks
   * {@link writable} first and waits for 'drain' when it turns false.
   */
  write(message: ClaimRequest): void {
    if (this.#closed || this.#ending) throw new Error('codeq: write on a finished Claim stream');
    this.#window += message.credit ?? 0;
    if (!this.#call.write(message)) this.#writable = false;
  }

  /**
   * Half-closes the stream and waits for the server to end it; cancels it when that takes
   * longer than `timeoutMs`. Resolves once the stream is closed.
   */
  end(timeoutMs: number): Promise<void> {
    if (!this.#ending && !this.#closed) this.#call.end();
    this.#ending = true;
    if (this.#closed) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setLongTimeout(() => this.#call.cancel(), timeoutMs);
      this.once('closed', () => {
        timer.clear();
        resolve();
      });
    });
  }

  /** Drops the stream at once; 'closed' follows with CANCELLED. */
  cancel(): void {
    this.#ending = true;
    if (!this.#closed) this.#call.cancel();
  }
}
