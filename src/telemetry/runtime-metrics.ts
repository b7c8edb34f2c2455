import { monitorEventLoopDelay, PerformanceObserver, constants } from 'node:perf_hooks';
import type { Meter } from '@opentelemetry/api';

const GC_KINDS: Record<number, string> = {
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
};

/** Buckets of GC pauses, in seconds: 0.1 ms to 1 s. */
const GC_BUCKETS = [0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1];

/**
 * Node runtime metrics under their semantic-convention names, with the unit appended: event-loop delay
 * (`nodejs.eventloop.delay.{min,p50,p90,p99,max,mean}_seconds`, over the time since the
 * previous collection) and GC pauses (`v8js.gc.duration_seconds` histogram by
 * `v8js.gc.type`). Names end in their unit, as Prometheus names do, since the Prometheus
 * exporter does not append it.
 * Returns a function that stops the monitors.
 */
export function startRuntimeMetrics(meter: Meter): () => void {
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  const gauges = (['min', 'p50', 'p90', 'p99', 'max', 'mean'] as const).map(
    (stat) =>
      [
        stat,
        meter.createObservableGauge(`nodejs.eventloop.delay.${stat}_seconds`, {
          description: `Event loop delay, ${stat}, since the previous collection, in seconds`,
          unit: 's',
        }),
      ] as const,
  );
  meter.addBatchObservableCallback(
    (result) => {
      if (delay.count === 0) return;
      const value = {
        min: delay.min,
        p50: delay.percentile(50),
        p90: delay.percentile(90),
        p99: delay.percentile(99),
        max: delay.max,
        mean: delay.mean,
      };
      for (const [stat, gauge] of gauges) result.observe(gauge, value[stat] / 1e9);
      delay.reset();
    },
    gauges.map(([, g]) => g),
  );

  const gc = meter.createHistogram('v8js.gc.duration_seconds', {
    description: 'Garbage collection pauses, in seconds',
    unit: 's',
    advice: { explicitBucketBoundaries: GC_BUCKETS },
  });
  const attributes = Object.fromEntries(
    Object.entries(GC_KINDS).map(([kind, name]) => [kind, { 'v8js.gc.type': name }]),
  );
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const kind = (entry as { detail?: { kind?: number } }).detail?.kind ?? -1;
      gc.record(entry.duration / 1000, attributes[kind] ?? { 'v8js.gc.type': 'other' });
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  return () => {
    delay.disable();
    observer.disconnect();
  };
}
