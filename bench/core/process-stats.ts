import {
  constants,
  monitorEventLoopDelay,
  PerformanceObserver,
  type IntervalHistogram,
} from 'node:perf_hooks';

const LOOP_RESOLUTION_MS = 1;

/** `detail.kind` of a 'gc' performance entry (perf_hooks `constants.NODE_PERFORMANCE_GC_*`). */
const GC_KINDS: Record<number, string> = {
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
};

/** What one process spent over a measurement window. */
export interface ProcessStats {
  /** Length of the window, ms. */
  windowMs: number;
  /** CPU time (user + system) over the window, ms. */
  cpuMs: number;
  gcCount: number;
  /** Total GC pause time over the window, ms. */
  gcTotalMs: number;
  /** Longest single GC pause, ms. */
  gcMaxMs: number;
  /** Count, total and longest pause by kind (minor = scavenge, major = mark-compact, …), ms. */
  gcByKind: Record<string, { count: number; totalMs: number; maxMs: number }>;
  /**
   * Event-loop delay percentiles over the window, ms: how much later than due a 1 ms
   * repeating timer ran (Node's histogram holds the whole interval; the 1 ms is taken off).
   */
  eventLoopP50Ms: number;
  eventLoopP99Ms: number;
  eventLoopMaxMs: number;
  /** Highest RSS seen during the window (sampled every 100 ms), bytes. */
  rssPeakBytes: number;
  /** RSS now, bytes. */
  rssBytes: number;
  heapUsedBytes: number;
}

/**
 * Watches this process: GC pauses (PerformanceObserver 'gc'), event-loop delay
 * (monitorEventLoopDelay at 1 ms resolution), CPU time, RSS. `reset()` opens a new
 * window; `read()` reports the window so far. The observers cost next to nothing, so
 * they run in the measured processes themselves.
 */
export class ProcessWatch {
  readonly #loop: IntervalHistogram = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
  readonly #gc: PerformanceObserver;
  readonly #rssTimer: NodeJS.Timeout;
  #start = performance.now();
  #cpu = process.cpuUsage();
  #gcCount = 0;
  #gcTotal = 0;
  #gcMax = 0;
  #gcByKind = new Map<string, { count: number; totalMs: number; maxMs: number }>();
  #rssPeak = 0;
  /** CPU of helper processes counted as this process's (a generator it ran), ms. */
  #extraCpuMs = 0;

  constructor() {
    this.#gc = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) {
        this.#gcCount++;
        this.#gcTotal += entry.duration;
        if (entry.duration > this.#gcMax) this.#gcMax = entry.duration;
        const { detail } = entry as { detail?: { kind?: number } };
        const kind = GC_KINDS[detail?.kind ?? 0] ?? 'other';
        let k = this.#gcByKind.get(kind);
        if (!k) this.#gcByKind.set(kind, (k = { count: 0, totalMs: 0, maxMs: 0 }));
        k.count++;
        k.totalMs += entry.duration;
        k.maxMs = Math.max(k.maxMs, entry.duration);
      }
    });
    this.#gc.observe({ entryTypes: ['gc'] });
    this.#loop.enable();
    this.#rssTimer = setInterval(() => this.#sampleRss(), 100);
    this.#rssTimer.unref();
    this.#sampleRss();
  }

  /** Starts a new window. */
  reset(): void {
    this.#start = performance.now();
    this.#cpu = process.cpuUsage();
    this.#gcCount = 0;
    this.#gcTotal = 0;
    this.#gcMax = 0;
    this.#extraCpuMs = 0;
    this.#gcByKind = new Map();
    this.#rssPeak = 0;
    this.#loop.reset();
    this.#sampleRss();
  }

  /** Counts `ms` of a helper process's CPU (a generator this process ran) in this window's. */
  addCpuMs(ms: number): void {
    this.#extraCpuMs += ms;
  }

  /** The window so far. */
  read(): ProcessStats {
    this.#sampleRss();
    const cpu = process.cpuUsage(this.#cpu);
    const ms = (ns: number): number => Math.round(ns / 1e3) / 1e3;
    const delay = (ns: number): number => ms(Math.max(0, ns - LOOP_RESOLUTION_MS * 1e6));
    const sampled = this.#loop.count > 0;
    return {
      windowMs: Math.round(performance.now() - this.#start),
      cpuMs: Math.round((cpu.user + cpu.system) / 1000) + this.#extraCpuMs,
      gcCount: this.#gcCount,
      gcTotalMs: Math.round(this.#gcTotal * 1000) / 1000,
      gcMaxMs: Math.round(this.#gcMax * 1000) / 1000,
      gcByKind: Object.fromEntries(
        [...this.#gcByKind].map(([kind, k]) => [
          kind,
          {
            count: k.count,
            totalMs: Math.round(k.totalMs * 10) / 10,
            maxMs: Math.round(k.maxMs * 100) / 100,
          },
        ]),
      ),
      eventLoopP50Ms: sampled ? delay(this.#loop.percentile(50)) : 0,
      eventLoopP99Ms: sampled ? delay(this.#loop.percentile(99)) : 0,
      eventLoopMaxMs: sampled ? delay(this.#loop.max) : 0,
      rssPeakBytes: this.#rssPeak,
      rssBytes: process.memoryUsage.rss(),
      heapUsedBytes: process.memoryUsage().heapUsed,
    };
  }

  stop(): void {
    this.#gc.disconnect();
    this.#loop.disable();
    clearInterval(this.#rssTimer);
  }

  #sampleRss(): void {
    const rss = process.memoryUsage.rss();
    if (rss > this.#rssPeak) this.#rssPeak = rss;
  }
}

/** Heap in use after a full collection (needs `--expose-gc`; else the plain figure), bytes. */
export function settledHeapBytes(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) {
    gc();
    gc();
  }
  return process.memoryUsage().heapUsed;
}
