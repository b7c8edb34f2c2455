import { TooManyCallsError } from '../domain/errors.js';
import { endStream } from './grpc-status.js';
import type { ServerContext } from './server-context.js';

/** The per-server caps of `codeq serve` (the per-connection and per-caller ones live in grpc-js and AccessControl). */
export interface ServerLimitsOptions {
  /** Most Claim and EnqueueStream streams open on this server at once (`--max-streams`). */
  maxStreams: number;
  /** Most WaitTask calls held on this server at once, all callers together (`--max-waits`). */
  maxWaits: number;
  /** Most bytes of lease messages written to Claim streams and not yet taken by the transport (`--max-buffered-bytes`). */
  maxBufferedBytes: number;
}

/**
 * What one server holds at once, over every connection and caller: each cap bounds a
 * kind of memory the per-connection caps only bound per connection (streams and their
 * buffered leases: at most `maxStreams` × `--max-stream-credit`; held waits). Past a cap
 * the new stream or call is refused with RESOURCE_EXHAUSTED naming the setting; what is
 * already open goes on.
 */
export class ServerLimits {
  #streams = 0;
  #waits = 0;

  /** Lease bytes held for streams that do not read (`--max-buffered-bytes`). */
  readonly buffers: BufferLimits;
  readonly #options: ServerLimitsOptions;

  constructor(options: ServerLimitsOptions) {
    this.#options = options;
    this.buffers = new BufferLimits(options.maxBufferedBytes);
  }

  /** Streams open now. */
  get openStreams(): number {
    return this.#streams;
  }

  /** Held waits now. */
  get heldWaits(): number {
    return this.#waits;
  }

  /** Counts one more open stream and returns the function that ends it; TooManyCallsError at the cap. */
  beginStream(): () => void {
    const max = this.#options.maxStreams;
    if (this.#streams >= max) {
      throw new TooManyCallsError(
        `streams: this server holds ${this.#streams} open streams, the most allowed (--max-streams ${max}); retry later or on another replica`,
      );
    }
    this.#streams++;
    return once(() => this.#streams--);
  }

  /** Counts one more held WaitTask and returns the function that ends it; TooManyCallsError at the cap. */
  beginWait(): () => void {
    const max = this.#options.maxWaits;
    if (this.#waits >= max) {
      throw new TooManyCallsError(
        `waits: this server holds ${this.#waits} WaitTask calls, the most allowed (--max-waits ${max}); retry later`,
      );
    }
    this.#waits++;
    return once(() => this.#waits--);
  }
}

/**
 * Bytes of lease messages written to streams and not yet taken by the transport: what
 * workers that read slower than they grant credit make the server hold, all together.
 */
export class BufferLimits {
  #held = 0;
  /** Told once when held bytes drop under the cap after a stream found it full. */
  readonly #waiters = new Set<() => void>();
  readonly #maxBytes: number;

  constructor(maxBytes: number) {
    this.#maxBytes = maxBytes;
  }

  /** Bytes held now, over every stream. */
  get heldBytes(): number {
    return this.#held;
  }

  /** Bytes that may still be held (the whole cap while nothing is: a message larger than it goes alone). */
  get roomBytes(): number {
    return this.#held === 0 ? this.#maxBytes : Math.max(0, this.#maxBytes - this.#held);
  }

  /** Calls `onFree` once when held bytes drop under the cap. */
  whenFree(onFree: () => void): void {
    this.#waiters.add(onFree);
  }

  /**
   * Whether a stream holding `streamHeld` bytes may be written `size` more under its own
   * cap `streamMax` and the server's. A stream holding nothing always may when the
   * server holds nothing (so a message larger than a cap still goes, alone); when the
   * server is full, `onFree` (if given) is called once it is not.
   */
  admits(streamHeld: number, size: number, streamMax: number, onFree?: () => void): boolean {
    if (streamHeld > 0 && streamHeld + size > streamMax) return false;
    if (this.#held === 0 || this.#held + size <= this.#maxBytes) return true;
    if (onFree) this.#waiters.add(onFree);
    return false;
  }

  /** Counts `size` bytes written and not yet taken. */
  hold(size: number): void {
    this.#held += size;
  }

  /** The transport took `size` bytes (or their stream ended); wakes streams that waited for room. */
  free(size: number): void {
    this.#held -= size;
    if (this.#held >= this.#maxBytes || this.#waiters.size === 0) return;
    const waiters = [...this.#waiters];
    this.#waiters.clear();
    for (const wake of waiters) wake();
  }

  /** Forgets a stream that waited for room (it ended). */
  forget(onFree: () => void): void {
    this.#waiters.delete(onFree);
  }
}

function once(end: () => void): () => void {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    end();
  };
}

/**
 * Counts a new stream against `--max-streams`, ending the count when the call closes
 * (however it ends, also before a session took it over); undefined, with the stream ended
 * RESOURCE_EXHAUSTED, when the server is at the cap.
 */
export function countStream(
  ctx: Pick<ServerContext, 'limits' | 'logger'>,
  call: {
    once(event: 'close' | 'cancelled', listener: () => void): unknown;
    emit(event: 'error', err: unknown): boolean;
  },
): (() => void) | undefined {
  let end: () => void;
  try {
    end = ctx.limits.beginStream();
  } catch (err) {
    endStream(call, err, ctx.logger);
    return undefined;
  }
  call.once('close', end);
  call.once('cancelled', end);
  return end;
}
