import { StageHistograms, type ClaimStage } from './stage-histograms.js';

/** One claim round trip's times (ms since the epoch, {@link nowMs} clock), shared by the messages it sent. */
export interface DispatchTiming {
  readonly queue: string;
  /** The wake-up or credit that started the claim. */
  readonly start: number;
  /** The store round trip; NaN when the leases came from the read-ahead buffer without one. */
  claimStart: number;
  claimEnd: number;
  /** When the leases were dealt out; NaN until then. */
  end: number;
}

/**
 * One Leases message to one stream, as the slow-claim buffer keeps it: the claim that
 * filled it, when it was encoded and written, and the tasks it carried. Holds no lease id
 * and no payload: task ids, attempts and enqueue times only.
 */
export interface DeliveryTiming {
  readonly dispatch: DispatchTiming;
  readonly workerId: string;
  readonly serializeStart: number;
  serializeEnd: number;
  writeEnd: number;
  /** grpc-js pushed back: the write waited for 'drain'. */
  backpressure: boolean;
  /** Lease time of the tasks, on the store clock. */
  leasedAt: number;
  readonly taskIds: string[];
  readonly enqueueTimes: number[];
  readonly attempts: number[];
  /** Tasks in the message beyond the ids kept. */
  more: number;
  /** Wake-up to written: the server's part of the claim. */
  totalMs: number;
}

/** Task ids one kept message remembers, at most (a claim batch can carry 256). */
const MAX_IDS = 64;

interface Window {
  epoch: number;
  items: DeliveryTiming[];
}

/** Sizes of the buffers. */
export interface ClaimLatencyOptions {
  /** Slowest messages kept per minute. Default 20. */
  slowPerMinute?: number;
  /** Minutes of slow messages kept. Default 15. */
  minutes?: number;
  /** Most recent messages kept whatever their speed, so a task page can show a fresh claim. Default 256. */
  recent?: number;
}

/**
 * The claim latency a replica keeps for its console whatever the OTel sampler says:
 * per-stage histograms ({@link StageHistograms}), the slowest messages of each recent
 * minute (tail sampling in the process, bounded: `slowPerMinute × minutes` entries) and
 * a ring of the latest ones. A message slower than the slowest kept this minute's
 * floor costs one comparison to turn away once the minute's list is full.
 */
export class ClaimLatency {
  readonly histograms = new StageHistograms();
  readonly #perMinute: number;
  readonly #windows: Window[];
  readonly #recent: (DeliveryTiming | undefined)[];
  #recentNext = 0;

  constructor(options: ClaimLatencyOptions = {}) {
    this.#perMinute = options.slowPerMinute ?? 20;
    this.#windows = Array.from({ length: options.minutes ?? 15 }, () => ({ epoch: -1, items: [] }));
    this.#recent = new Array<DeliveryTiming | undefined>(options.recent ?? 256);
  }

  /** Counts one pass through `stage`. */
  record(stage: ClaimStage, ms: number, now: number): void {
    this.histograms.record(stage, ms, now);
  }

  /** A new message of `dispatch` to a stream of `workerId`, whose encoding starts now. */
  delivery(dispatch: DispatchTiming, workerId: string, serializeStart: number): DeliveryTiming {
    return {
      dispatch,
      workerId,
      serializeStart,
      serializeEnd: NaN,
      writeEnd: NaN,
      backpressure: false,
      leasedAt: NaN,
      taskIds: [],
      enqueueTimes: [],
      attempts: [],
      more: 0,
      totalMs: NaN,
    };
  }

  /** A task the message carries, leased at `leasedAt` (store clock): its queue wait is counted. */
  leased(d: DeliveryTiming, taskId: string, enqueueTime: number, attempt: number, leasedAt: number): void {
    d.leasedAt = leasedAt;
    this.histograms.record('queue_wait', Math.max(0, leasedAt - enqueueTime), leasedAt);
    if (d.taskIds.length >= MAX_IDS) {
      d.more++;
      return;
    }
    d.taskIds.push(taskId);
    d.enqueueTimes.push(enqueueTime);
    d.attempts.push(attempt);
  }

  /** The message is encoded. */
  serialized(d: DeliveryTiming, at: number): void {
    d.serializeEnd = at;
    this.histograms.record('serialize', at - d.serializeStart, at);
  }

  /** grpc-js took the message: it is counted and offered to the buffers. */
  written(d: DeliveryTiming, at: number, backpressure: boolean): void {
    d.writeEnd = at;
    d.backpressure = backpressure;
    d.totalMs = at - d.dispatch.start;
    this.histograms.record('write', at - d.serializeEnd, at);
    this.#recent[this.#recentNext] = d;
    this.#recentNext = (this.#recentNext + 1) % this.#recent.length;
    const epoch = Math.floor(at / 60_000);
    const window = this.#windows[epoch % this.#windows.length]!;
    if (window.epoch !== epoch) {
      window.epoch = epoch;
      window.items = [];
    }
    const items = window.items;
    if (items.length < this.#perMinute) {
      items.push(d);
      return;
    }
    let min = 0;
    for (let i = 1; i < items.length; i++) if (items[i]!.totalMs < items[min]!.totalMs) min = i;
    if (d.totalMs > items[min]!.totalMs) items[min] = d;
  }

  /** The slowest messages written in the last `windowMs` before `now`, slowest first, that `keep` accepts. */
  slowest(
    limit: number,
    windowMs: number,
    now: number,
    keep: (d: DeliveryTiming) => boolean = () => true,
  ): DeliveryTiming[] {
    const since = now - windowMs;
    const all: DeliveryTiming[] = [];
    for (const window of this.#windows)
      for (const d of window.items) if (d.writeEnd >= since && keep(d)) all.push(d);
    return all.sort((a, b) => b.totalMs - a.totalMs).slice(0, limit);
  }

  /**
   * The queues of the slowest messages kept that were written at `since` or later (the
   * queues {@link slowest} can return messages of), sorted by name.
   */
  queues(since: number): string[] {
    const names = new Set<string>();
    for (const window of this.#windows)
      for (const d of window.items) if (d.writeEnd >= since) names.add(d.dispatch.queue);
    return [...names].sort();
  }

  /** The latest kept message that carried `taskId` (recent ring or slow list), or undefined. */
  find(taskId: string): DeliveryTiming | undefined {
    let best: DeliveryTiming | undefined;
    const consider = (d: DeliveryTiming | undefined): void => {
      if (d && d.taskIds.includes(taskId) && (!best || d.writeEnd > best.writeEnd)) best = d;
    };
    for (const d of this.#recent) consider(d);
    for (const window of this.#windows) for (const d of window.items) consider(d);
    return best;
  }
}
