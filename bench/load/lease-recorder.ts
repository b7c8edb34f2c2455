import { encodeHistogram, newHistogram, recordUs, type Histogram } from '../core/histogram.js';
import { monoNs, type Stamp } from '../core/stamp.js';

/** What the worker side measured for one epoch (histograms encoded, values in µs). */
export interface LeaseSnapshot {
  epoch: number;
  /** Leases of the measured epoch received. */
  received: number;
  /** Completions of the measured epoch the system acknowledged. */
  completed: number;
  /** Leases of other epochs (warm-up, prefill) received meanwhile. */
  receivedOther: number;
  /** Enqueue sent → lease received. */
  claim: string;
  /**
   * Task ready and a slot free → lease received: from the later of the send time and the
   * moment the receiving stream last freed a slot. Equals `claim` while workers have spare
   * capacity; with a backlog it is the cost of taking the next task, not the wait in line.
   */
  dispatch: string;
  /** Enqueue sent → completion acknowledged by the system. */
  e2e: string;
  /** `claim` split by task priority. */
  byPriority: Record<number, string>;
  /** Delayed tasks: lease received − (send time + delay). */
  late: string;
  /** `claim` of the tasks sent without a delay. */
  immediate: string;
  /**
   * Delayed tasks leased more than {@link CLOCK_SLACK_MS} before their due time (send time
   * + delay, on the wall clock the store sets due times by; never expected), and the most
   * any task was early, ms.
   */
  early: number;
  earliestMs: number;
  /** Leases of the measured epoch per stream (worker instance for BullMQ). */
  perStream: number[];
  /** Wall-clock ms of the first and last measured lease and last completion (0 = none). */
  firstLeaseAt: number;
  lastLeaseAt: number;
  lastCompletedAt: number;
  /** `claim` of the leases received in each second since the epoch started. */
  timeline: string[];
}

/**
 * How early a delayed task may be leased by the wall clock without being early: both ends
 * read `Date.now()` in whole milliseconds, and the embedded store's clock is anchored to it
 * within one.
 */
export const CLOCK_SLACK_MS = 1;

/** Seconds of timeline a recorder keeps at most. */
const MAX_TIMELINE_SECONDS = 3_600;

/** One interval report: leases of the measured epoch since the previous report. */
export interface LeaseInterval {
  at: number;
  received: number;
  completed: number;
  claim: string;
}

/**
 * Records, in a worker process, when each bench task reached a worker, against the stamp
 * its producer wrote. Only tasks of the epoch under measurement count; every stream keeps
 * the times its slots were freed so `dispatch` can tell waiting-in-line from claim cost.
 */
export class LeaseRecorder {
  #epoch = -1;
  #received = 0;
  #completed = 0;
  #receivedOther = 0;
  #claim = newHistogram();
  #dispatch = newHistogram();
  #e2e = newHistogram();
  #late = newHistogram();
  #immediate = newHistogram();
  #early = 0;
  #earliestMs = 0;
  #byPriority = new Map<number, Histogram>();
  #perStream: number[];
  #firstLeaseAt = 0;
  #lastLeaseAt = 0;
  #lastCompletedAt = 0;
  #interval = newHistogram();
  #intervalReceived = 0;
  #intervalCompleted = 0;
  #measureStart = 0;
  /** Monotonic ns at which measuring started. */
  #measureStartNs = 0;
  #timeline: Histogram[] = [];
  /** Per stream: monotonic ns at which each free slot became free, oldest first. */
  readonly #freeSince: number[][];

  constructor(streams: number, concurrency: number) {
    this.#perStream = new Array<number>(streams).fill(0);
    // NaN: free since before anyone measured (the slots a stream opened with).
    this.#freeSince = Array.from({ length: streams }, () => new Array<number>(concurrency).fill(NaN));
  }

  /** Starts measuring `epoch` (its timeline from wall-clock `startedAt`), forgetting what was recorded before. */
  measure(epoch: number, startedAt = Date.now()): void {
    this.#epoch = epoch;
    this.#measureStart = startedAt;
    this.#measureStartNs = monoNs() - (Date.now() - startedAt) * 1e6;
    this.#timeline = [];
    this.#received = 0;
    this.#completed = 0;
    this.#receivedOther = 0;
    this.#claim = newHistogram();
    this.#dispatch = newHistogram();
    this.#e2e = newHistogram();
    this.#late = newHistogram();
    this.#immediate = newHistogram();
    this.#early = 0;
    this.#earliestMs = 0;
    this.#byPriority = new Map();
    this.#perStream.fill(0);
    this.#firstLeaseAt = 0;
    this.#lastLeaseAt = 0;
    this.#lastCompletedAt = 0;
    this.#interval = newHistogram();
    this.#intervalReceived = 0;
    this.#intervalCompleted = 0;
  }

  /** A lease reached stream `stream`; it occupies one of the stream's slots. */
  lease(stream: number, stamp: Stamp | undefined): void {
    const now = monoNs();
    const freed = this.#freeSince[stream]!.shift() ?? NaN;
    if (!stamp || stamp.epoch !== this.#epoch) {
      this.#receivedOther++;
      return;
    }
    const wall = Date.now();
    if (this.#firstLeaseAt === 0) this.#firstLeaseAt = wall;
    this.#lastLeaseAt = wall;
    this.#received++;
    this.#intervalReceived++;
    this.#perStream[stream]!++;
    const claimUs = (now - stamp.sendNs) / 1000;
    recordUs(this.#claim, claimUs);
    recordUs(this.#interval, claimUs);
    const second = Math.floor((wall - this.#measureStart) / 1000);
    if (second >= 0 && second < MAX_TIMELINE_SECONDS) {
      while (this.#timeline.length <= second) this.#timeline.push(newHistogram());
      recordUs(this.#timeline[second]!, claimUs);
    }
    // A task that waited in a prefilled queue for a slot the stream opened with has no
    // moment at which both were ready: it starts no measured wait.
    if (!Number.isNaN(freed) || stamp.sendNs >= this.#measureStartNs)
      recordUs(
        this.#dispatch,
        (now - (Number.isNaN(freed) ? stamp.sendNs : Math.max(stamp.sendNs, freed))) / 1000,
      );
    let h = this.#byPriority.get(stamp.priority);
    if (!h) this.#byPriority.set(stamp.priority, (h = newHistogram()));
    recordUs(h, claimUs);
    if (stamp.delayMs > 0) {
      recordUs(this.#late, (now - stamp.sendNs) / 1000 - stamp.delayMs * 1000);
      // Early is read on the wall clock the store sets due times by (see Stamp.sendWallMs).
      const lateMs = wall - stamp.sendWallMs - stamp.delayMs;
      if (lateMs < -CLOCK_SLACK_MS) this.#early++;
      if (lateMs < 0) this.#earliestMs = Math.max(this.#earliestMs, -lateMs);
    } else {
      recordUs(this.#immediate, claimUs);
    }
  }

  /** Stream `stream` finished a task: one slot is free from now. */
  slotFreed(stream: number): void {
    this.#freeSince[stream]!.push(monoNs());
  }

  /** The system acknowledged the completion of a task. */
  completed(stamp: Stamp | undefined): void {
    if (!stamp || stamp.epoch !== this.#epoch) return;
    this.#completed++;
    this.#intervalCompleted++;
    this.#lastCompletedAt = Date.now();
    recordUs(this.#e2e, (monoNs() - stamp.sendNs) / 1000);
  }

  /** Leases and completions of the measured epoch since the previous call. */
  takeInterval(): LeaseInterval {
    const report: LeaseInterval = {
      at: Date.now(),
      received: this.#intervalReceived,
      completed: this.#intervalCompleted,
      claim: encodeHistogram(this.#interval),
    };
    this.#interval = newHistogram();
    this.#intervalReceived = 0;
    this.#intervalCompleted = 0;
    return report;
  }

  snapshot(): LeaseSnapshot {
    const byPriority: Record<number, string> = {};
    for (const [priority, h] of this.#byPriority) byPriority[priority] = encodeHistogram(h);
    return {
      epoch: this.#epoch,
      received: this.#received,
      completed: this.#completed,
      receivedOther: this.#receivedOther,
      claim: encodeHistogram(this.#claim),
      dispatch: encodeHistogram(this.#dispatch),
      e2e: encodeHistogram(this.#e2e),
      byPriority,
      late: encodeHistogram(this.#late),
      immediate: encodeHistogram(this.#immediate),
      early: this.#early,
      earliestMs: Math.round(this.#earliestMs * 1000) / 1000,
      perStream: [...this.#perStream],
      firstLeaseAt: this.#firstLeaseAt,
      lastLeaseAt: this.#lastLeaseAt,
      lastCompletedAt: this.#lastCompletedAt,
      timeline: this.#timeline.map(encodeHistogram),
    };
  }

  /** Leases and completions of the measured epoch so far (cheap: no histograms). */
  counts(): { received: number; completed: number; other: number } {
    return { received: this.#received, completed: this.#completed, other: this.#receivedOther };
  }
}
