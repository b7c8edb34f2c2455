import type * as grpc from '@grpc/grpc-js';
import { setLongTimeout, type LongTimeout } from '../src/domain/long-timeout.js';
import { Backoff } from './backoff.js';
import type { ReconnectEvent } from './worker-events.js';
import type { WorkerLogger } from './worker-options.js';

/** Failed reconnects in a row before the logger hears of it (then every 30 more). */
const WARN_AFTER_ATTEMPTS = 8;

/**
 * Where and when a worker opens its next Claim stream: the next of its servers, after a
 * jittered backoff that grows across servers and starts over once a stream opens. At most
 * one reconnect is pending at a time.
 */
export class ReconnectSchedule {
  readonly #backoff: Backoff;
  #target = 0;
  #timer: LongTimeout | undefined;
  readonly #addresses: readonly string[];
  readonly #logger: WorkerLogger;

  constructor(
    addresses: readonly string[],
    initialBackoffMs: number,
    maxBackoffMs: number,
    logger: WorkerLogger,
  ) {
    this.#addresses = addresses;
    this.#logger = logger;
    this.#backoff = new Backoff(initialBackoffMs, maxBackoffMs);
  }

  /** Index in the addresses of the server the current or next stream goes to. */
  get target(): number {
    return this.#target;
  }

  /** A stream opened: the next failure starts again from the first backoff window. */
  opened(): void {
    this.#backoff.reset();
  }

  /**
   * A stream ended: moves on to the next server and calls `connect` after the backoff.
   * Returns what the worker announces as its 'reconnect' event.
   */
  schedule(status: grpc.StatusObject, connect: () => void): ReconnectEvent {
    // Whatever ended the stream (a crash, a drain, a refusal) may still hold for this
    // server; the next one is the better bet. The backoff still grows across servers, so a
    // worker whose every server is down does not spin through the list.
    this.#target = (this.#target + 1) % this.#addresses.length;
    const delayMs = this.#backoff.next();
    const event: ReconnectEvent = {
      attempt: this.#backoff.attempt,
      delayMs,
      code: status.code,
      details: status.details,
      address: this.#addresses[this.#target]!,
    };
    // A few failures in a row are a deploy or a blip; more mean nobody is serving any address.
    const persistent =
      event.attempt >= WARN_AFTER_ATTEMPTS && event.attempt % 30 === WARN_AFTER_ATTEMPTS % 30;
    if (persistent) this.#logger.warn(`still no Claim stream after ${event.attempt} attempts`, { ...event });
    else this.#logger.debug?.('Claim stream ended; reconnecting', { ...event });
    this.#timer?.clear();
    this.#timer = setLongTimeout(() => {
      this.#timer = undefined;
      connect();
    }, delayMs);
    return event;
  }

  /** Drops the pending reconnect, if any. */
  cancel(): void {
    this.#timer?.clear();
    this.#timer = undefined;
  }
}
