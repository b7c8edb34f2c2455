import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Producer, TaskError, Worker } from '../../clients/index.js';
import { MemoryStore } from '../../src/lease-store/memory/memory-store.js';
import { startMetricsServer } from '../../src/telemetry/metrics-server.js';
import { startRuntimeMetrics } from '../../src/telemetry/runtime-metrics.js';
import { rawClients, RawStream, startTestServer } from '../support/test-server.js';

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup.length = 0;
});

/** Parses the Prometheus text format into `name{labels}` → value. */
function parse(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^(\S+?)(\{.*\})? (\S+)/.exec(line);
    if (m) out.set(`${m[1]}${m[2] ?? ''}`, Number(m[3]));
  }
  return out;
}

/** The value of the series `name` whose labels include every one of `labels` (0 when absent). */
function value(metrics: Map<string, number>, name: string, labels: Record<string, string> = {}): number {
  for (const [key, v] of metrics) {
    if (!key.startsWith(`${name}{`) && key !== name) continue;
    if (Object.entries(labels).every(([k, l]) => key.includes(`${k}="${l}"`))) return v;
  }
  return 0;
}

describe('metrics', () => {
  it('serves /metrics over HTTP, and the counters and gauges follow a run', async () => {
    const exporter = new PrometheusExporter({ preventServerStart: true });
    const meterProvider = new MeterProvider({ readers: [exporter] });
    const stopRuntime = startRuntimeMetrics(meterProvider.getMeter('codeq'));
    const endpoint = await startMetricsServer('127.0.0.1:0', exporter);
    const store = new MemoryStore();
    // A quick sweep, so an expired lease is reaped within the test.
    const server = await startTestServer(store, { sweepIntervalMs: 100 }, { meterProvider });
    const producer = new Producer({ address: server.address });
    cleanup.push(
      () => meterProvider.shutdown(),
      () => endpoint.close(),
      stopRuntime,
      () => store.close(),
      () => server.stop(),
      () => producer.close(),
    );
    const scrape = async (): Promise<Map<string, number>> => {
      const response = await fetch(endpoint.url);
      expect(response.status).toBe(200);
      return parse(await response.text());
    };
    const q = { messaging_destination_name: 'metered' };
    expect((await fetch(endpoint.url.replace('/metrics', '/other'))).status).toBe(404);

    // Phase 1: ten tasks wait; nobody takes them.
    const firstEnqueued = Date.now();
    for (let i = 0; i < 10; i++)
      await producer.enqueue('metered', `task-${i}`, { maxAttempts: 1, idempotencyKey: `key-${i}` });
    // A producer's retry of task-9: answered with the first task, timed, not counted as enqueued.
    const repeat = await producer.enqueue('metered', 'task-9', { maxAttempts: 1, idempotencyKey: 'key-9' });
    expect(repeat.duplicate).toBe(true);
    const enqueuesTook = (Date.now() - firstEnqueued) / 1000;
    // The oldest task ages while it waits: scrape until it has waited a quarter second.
    let m = await vi.waitFor(
      async () => {
        const scraped = await scrape();
        expect(value(scraped, 'codeq_queue_oldest_ready_age_seconds', q)).toBeGreaterThanOrEqual(0.25);
        return scraped;
      },
      { timeout: 10_000, interval: 50 },
    );
    expect(value(m, 'codeq_tasks_enqueued_total', q)).toBe(10);
    expect(value(m, 'codeq_enqueue_latency_seconds_count', q)).toBe(11);
    // The server's share of each enqueue: some time, and less than the producer waited for all eleven.
    expect(value(m, 'codeq_enqueue_latency_seconds_sum', q)).toBeGreaterThan(0);
    expect(value(m, 'codeq_enqueue_latency_seconds_sum', q)).toBeLessThan(enqueuesTook);
    expect(value(m, 'codeq_tasks_leased_total', q)).toBe(0);
    expect(value(m, 'codeq_queue_depth', { ...q, state: 'ready' })).toBe(10);
    // The oldest task has waited since it was enqueued: at most since the first enqueue.
    const age = value(m, 'codeq_queue_oldest_ready_age_seconds', q);
    expect(age).toBeGreaterThanOrEqual(0.25);
    expect(age).toBeLessThanOrEqual((Date.now() - firstEnqueued) / 1000 + 0.05);
    expect(value(m, 'codeq_streams_open')).toBe(0);

    // Phase 2: a worker completes six and fails four (they have one attempt: DEAD).
    let handled = 0;
    const worker = new Worker({
      address: server.address,
      queues: ['metered'],
      concurrency: 4,
      logger: { warn() {} },
      handler: async (task) => {
        handled++;
        if (Number(task.payload.toString().split('-')[1]) % 3 === 0) throw new TaskError('no good');
        return 'ok';
      },
    });
    cleanup.push(() => worker.stop());
    await worker.start();
    await vi.waitFor(
      async () => {
        const now = await scrape();
        expect(value(now, 'codeq_tasks_completed_total', q) + value(now, 'codeq_tasks_failed_total', q)).toBe(
          10,
        );
      },
      { timeout: 5_000, interval: 20 },
    );
    expect(handled).toBe(10);
    m = await scrape();
    expect(value(m, 'codeq_tasks_leased_total', q)).toBe(10);
    expect(value(m, 'codeq_tasks_completed_total', q)).toBe(6);
    expect(value(m, 'codeq_tasks_failed_total', q)).toBe(4);
    expect(value(m, 'codeq_tasks_dead_total', q)).toBe(4);
    expect(value(m, 'codeq_tasks_retried_total', q)).toBe(0);
    expect(value(m, 'codeq_claim_latency_seconds_count', q)).toBe(10);
    expect(value(m, 'codeq_settle_latency_seconds_count', q)).toBe(10);
    expect(value(m, 'codeq_enqueue_latency_seconds_count', q)).toBe(11);
    expect(value(m, 'codeq_queue_depth', { ...q, state: 'ready' })).toBe(0);
    expect(value(m, 'codeq_queue_depth', { ...q, state: 'dead' })).toBe(4);
    expect(value(m, 'codeq_streams_open')).toBe(1);
    expect(value(m, 'codeq_streams_credit')).toBe(4);

    // Phase 3: a stream takes a lease and goes silent: the lease runs out and is reaped.
    await worker.stop();
    const clients = rawClients(server.address);
    const stream = new RawStream(clients.workers);
    cleanup.push(
      () => clients.close(),
      () => stream.close(),
    );
    stream.send({
      open: { workerId: 'silent', queues: ['metered'], leaseDuration: { seconds: 1 } },
      credit: 1,
    });
    await producer.enqueue('metered', 'abandoned', { maxAttempts: 2, retry: { initialBackoffMs: 60_000 } });
    await stream.waitForLeases(1);
    await vi.waitFor(async () => expect(value(await scrape(), 'codeq_tasks_expired_total', q)).toBe(1), {
      timeout: 5_000,
      interval: 50,
    });
    m = await scrape();
    expect(value(m, 'codeq_tasks_leased_total', q)).toBe(11);
    expect(value(m, 'codeq_tasks_dead_total', q)).toBe(4);
    expect(value(m, 'codeq_queue_depth', { ...q, state: 'scheduled' })).toBe(1);
    expect(value(m, 'codeq_queue_depth', { ...q, state: 'leased' })).toBe(0);
    expect(value(m, 'codeq_streams_open')).toBe(1);
    expect(value(m, 'codeq_streams_credit')).toBe(0);
    stream.close();
    await vi.waitFor(async () => expect(value(await scrape(), 'codeq_streams_open')).toBe(0));
    m = await scrape();
    expect(value(m, 'codeq_tasks_enqueued_total', q)).toBe(11);
    expect(value(m, 'nodejs_eventloop_delay_p99_seconds')).toBeGreaterThan(0);

    // Prometheus conventions: a metric in seconds says so in its name and in its HELP.
    const text = await (await fetch(endpoint.url)).text();
    const units = [...text.matchAll(/^# UNIT (\S+) (\S+)$/gm)].map(([, name, unit]) => ({ name, unit }));
    const inSeconds = units.filter((u) => u.unit === 's').map((u) => u.name!);
    expect(inSeconds).toEqual(
      expect.arrayContaining([
        'codeq_claim_latency_seconds',
        'codeq_settle_latency_seconds',
        'codeq_enqueue_latency_seconds',
        'codeq_queue_oldest_ready_age_seconds',
        'v8js_gc_duration_seconds',
      ]),
    );
    for (const name of inSeconds) {
      expect(name).toMatch(/_seconds$/);
      expect(text).toMatch(new RegExp(`^# HELP ${name} .*in seconds$`, 'm'));
    }
    for (const [, name, help] of text.matchAll(/^# HELP (codeq_\S+) (.*)$/gm)) {
      expect(help, name).toMatch(/, in \w+$/);
    }
  });
});
