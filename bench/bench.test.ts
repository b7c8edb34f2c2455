import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { BenchResult } from './core/report.js';
import type { LatencySummary } from './core/histogram.js';
import type { PhaseResult } from './run/phase.js';
import { checkQueues, runScenario } from './run/run-scenario.js';
import { helpText, parseArgs, resolveOptions } from './cli/flags.js';
import type { BenchOptions } from './cli/options.js';
import { QueueTurns, spreadQueue } from './load/queue-spread.js';
import type { FloorCase } from './scenarios/floor.js';
import { AMQP_URL, resetRabbitQueue } from './infra/rabbitmq.js';
import { SCENARIOS } from './scenarios/index.js';

/**
 * Smoke test of the bench: every scenario but the three of the baseline check (sustained,
 * throughput and micro, run beside BullMQ by `npm run bench:check`, part of `npm test`)
 * starts, runs in its quick mode (about a second: its own redis-server, the server and
 * the load in child processes run from the sources), delivers every task it sent, and
 * returns figures with the shape and relations they must have.
 */
const out = mkdtempSync(join(tmpdir(), 'codeq-bench-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

function quick(name: string, extra: Record<string, unknown> = {}): Promise<BenchResult> {
  return runScenario(name, { quiet: true, out, ...extra }, `smoke ${name}`, true);
}

/** Fields every result has, whatever the scenario: tables as wide as their columns, with values. */
function expectWellFormed(result: BenchResult, name: string): void {
  expect(result.scenario).toBe(name);
  expect(result.tables.length).toBeGreaterThan(0);
  for (const table of result.tables) {
    expect(table.rows.length, table.title).toBeGreaterThan(0);
    for (const row of table.rows) {
      expect(row.length, table.title).toBe(table.columns.length);
      for (const cell of row)
        expect(String(cell), `${table.title}: ${row.join(' | ')}`).not.toMatch(/^$|NaN|undefined/);
    }
  }
  for (const t of result.targets) expect(typeof t.met, t.name).toBe('boolean');
}

/** A latency summary whose figures are what a summary's must be: ordered, and none negative. */
function expectOrdered(s: LatencySummary, what: string): void {
  expect(s.count, what).toBeGreaterThanOrEqual(0);
  if (s.count === 0) return;
  expect(s.p50, what).toBeGreaterThanOrEqual(0);
  expect([s.p50, s.p90, s.p99, s.p999, s.max], `${what}: p50 <= p90 <= p99 <= p99.9 <= max`).toEqual(
    [s.p50, s.p90, s.p99, s.p999, s.max].sort((a, b) => a - b),
  );
  expect(s.mean, `${what}: mean <= max`).toBeLessThanOrEqual(s.max);
}

/**
 * A phase that moved every task it sent and measured them: each received once, every
 * stream counted, each latency counted at most once per task and ordered.
 */
function expectDelivered(phase: PhaseResult, streams: number): void {
  expect(phase.sent).toBeGreaterThan(0);
  expect(phase.failed).toBe(0);
  expect(phase.drained).toBe(true);
  expect(phase.received, 'every task sent reached a worker, once').toBe(phase.sent);
  expect(phase.completed).toBeLessThanOrEqual(phase.received);
  expect(phase.perStream.streams, 'tasks counted per stream of the scenario').toBe(streams);
  expect(phase.perStream.min).toBeLessThanOrEqual(phase.perStream.mean);
  expect(phase.perStream.mean).toBeLessThanOrEqual(phase.perStream.max);
  for (const [what, s] of Object.entries({
    claim: phase.claim,
    dispatch: phase.dispatch,
    e2e: phase.e2e,
    enqueue: phase.enqueue,
  })) {
    expectOrdered(s, what);
    expect(s.count, `${what}: at most one figure per task`).toBeLessThanOrEqual(phase.sent);
  }
  for (const [priority, s] of Object.entries(phase.byPriority)) expectOrdered(s, `priority ${priority}`);
  expect(phase.claim.count + phase.dispatch.count).toBeGreaterThan(0);
  expect(phase.cpuPerTaskUs.redis).toBeGreaterThan(0);
}

// Run five at a time (Vitest's default), their children compiling the sources at once: a
// scenario of a second alone can take a minute here on two cores.
describe.concurrent('bench scenarios (quick mode)', { timeout: 180_000 }, () => {
  it('offers every scenario in --help, each with its summary and a quick mode', () => {
    const help = helpText(SCENARIOS);
    const names = SCENARIOS.map((s) => s.name);
    expect(new Set(names).size).toBe(names.length);
    for (const s of SCENARIOS) {
      // The name stands apart from its summary, however long the name; summaries wrap.
      const firstWord = s.summary.split(' ')[0]!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      expect(help).toMatch(new RegExp(`^ {2}${s.name}(\\s{2,}|\\n\\s+)${firstWord}`, 'm'));
      expect(help.replace(/\s+/g, ' ')).toContain(s.summary);
      expect(Object.keys(s.quick).length, s.name).toBeGreaterThan(0);
    }
    expect(help).toContain('--check-baseline');
    // Every flag's help starts after whitespace, never run into a long flag's argument.
    for (const line of help.split('\n').filter((l) => l.startsWith('  --')))
      expect(line, line).toMatch(/^ {2}--\S+( \S+)?(\s{2,}\S|$)/);
  });

  for (const name of ['burst', 'many-workers', 'priorities', 'delayed', 'noisy-neighbour']) {
    it(name, async () => {
      const result = await quick(name);
      expectWellFormed(result, name);
      const data = result.data as PhaseResult[] | { phases: PhaseResult[] };
      const phase = (Array.isArray(data) ? data : data.phases)[0]!;
      const quickStreams = SCENARIOS.find((s) => s.name === name)!.quick.streams;
      expectDelivered(phase, Number(quickStreams));
      if (name === 'burst') expect(phase.sent).toBe(SCENARIOS.find((s) => s.name === name)!.quick.tasks);
      if (name === 'priorities') expect(Object.keys(phase.byPriority).sort()).toEqual(['0', '5', '9']);
      if (name === 'delayed') expect(phase.late.count).toBeGreaterThan(0);
    });
  }

  it('many-workers --queues 50 --worker-procs 2: each stream claims from a queue of its own', async () => {
    // One queue per stream, over two worker processes: a stream counted from the wrong
    // first index, or a producer that does not spread, leaves tasks no stream claims.
    const result = await quick('many-workers', { queues: 50, workerProcs: 2 });
    expectWellFormed(result, 'many-workers');
    const phase = (result.data as { phases: PhaseResult[] }).phases[0]!;
    expectDelivered(phase, 50);
    expect(result.options.queues).toBe(50);
  });

  it('sustained --queues 4 --compare bullmq: BullMQ takes the same queues, a Worker instance each', async () => {
    const result = await quick('sustained', { queues: 4, compare: ['bullmq'] });
    const [codeq, bullmq] = result.data as PhaseResult[];
    expect([codeq!.system, bullmq!.system]).toEqual(['codeq', 'bullmq']);
    expectDelivered(codeq!, Number(SCENARIOS.find((s) => s.name === 'sustained')!.quick.streams));
    expectDelivered(bullmq!, 4);
  });

  it('knee', async () => {
    const result = await quick('knee');
    expectWellFormed(result, 'knee');
    const runs = result.data as { steps: { phase: PhaseResult; keptUp: boolean }[]; knee: number }[];
    expect(runs[0]!.steps.length).toBeGreaterThan(0);
    for (const step of runs[0]!.steps) expectOrdered(step.phase.claim, `knee at ${step.phase.targetRate}/s`);
    const rates = runs[0]!.steps.map((s) => s.phase.targetRate);
    expect(rates, 'the knee search offers rising rates').toEqual([...rates].sort((a, b) => a - b));
    expect(runs[0]!.steps[0]!.phase.received).toBeGreaterThan(0);
    expect(result.charts[0]!.name).toBe('knee.svg');
  });

  it('prefill', async () => {
    const result = await quick('prefill');
    expectWellFormed(result, 'prefill');
    const cases = result.data as { depth: number; storeClaim: { count: number }; phase: PhaseResult }[];
    expect(cases.map((c) => c.depth)).toEqual([0, 1_000]);
    for (const c of cases) {
      expect(c.storeClaim.count).toBe(100);
      expect(c.phase.dispatch.count).toBeGreaterThan(0);
    }
  });

  it('footprint', async () => {
    const result = await quick('footprint');
    expectWellFormed(result, 'footprint');
    const [codeq] = result.data as {
      redisBytesPerTask: number;
      leasesHeld: number;
      heapBytesPerLease: number;
    }[];
    expect(codeq!.leasesHeld).toBe(1_000);
    expect(codeq!.redisBytesPerTask).toBeGreaterThan(100);
  });

  it('floor: every transport at one in flight and open-loop at the rate, with CPU per call', async () => {
    const result = await quick('floor');
    expectWellFormed(result, 'floor');
    const cases = result.data as FloorCase[];
    expect(cases.map((c) => `${c.mode}@${c.rate}`)).toEqual([
      'unary@0',
      'unary@200',
      'py-unary@0',
      'py-unary@200',
      'stream@0',
      'stream@200',
      'evalsha@0',
      'evalsha@200',
    ]);
    for (const c of cases) {
      expect(c.calls, c.mode).toBeGreaterThan(0);
      expect(c.serverUsPerCall, c.mode).toBeGreaterThan(0);
      expect(c.clientUsPerCall, c.mode).toBeGreaterThan(0);
      // Open-loop at 200/s for 0.5 s sends its 100 calls whatever the round trip.
      if (c.rate > 0) expect(c.calls, c.mode).toBe(100);
    }
  });

  it("floor --calls: only the calls named, in the table's order", async () => {
    const result = await quick('floor', { floorCalls: ['evalsha', 'unary'] });
    expect((result.data as FloorCase[]).map((c) => `${c.mode}@${c.rate}`)).toEqual([
      'unary@0',
      'unary@200',
      'evalsha@0',
      'evalsha@200',
    ]);
  });

  it('delayed --producer h2-unary: unary calls over bare HTTP/2 carry their delays', async () => {
    const result = await quick('delayed', { producer: 'h2-unary' });
    expectWellFormed(result, 'delayed');
    const phase = (result.data as PhaseResult[])[0]!;
    expectDelivered(phase, Number(SCENARIOS.find((s) => s.name === 'delayed')!.quick.streams));
    expect(phase.late.count, 'delayed tasks were leased after their due time').toBeGreaterThan(0);
    expect(phase.early, 'no delayed task was leased before its due time').toBe(0);
  });

  it("delayed --producer py-unary: Python's grpcio sends the unary calls, stamps and delays intact", async () => {
    const result = await quick('delayed', { producer: 'py-unary' });
    expectWellFormed(result, 'delayed');
    const phase = (result.data as PhaseResult[])[0]!;
    expectDelivered(phase, Number(SCENARIOS.find((s) => s.name === 'delayed')!.quick.streams));
    expect(phase.enqueue.count, 'enqueue latencies the Python generator reported').toBe(phase.sent);
    expect(phase.late.count, 'delayed tasks were leased after their due time').toBeGreaterThan(0);
    expect(phase.early, 'no delayed task was leased before its due time').toBe(0);
    expect(phase.cpuPerTaskUs.producers, "the Python process's CPU counts as the producer's").toBeGreaterThan(
      0,
    );
  });

  it('throughput --client lib counts the completions the server acknowledged', async () => {
    const result = await quick('throughput', { client: 'lib', tasks: 300 });
    const [codeq] = result.data as { phase: PhaseResult }[];
    expect(codeq!.phase.completed).toBe(300);
    expect(codeq!.phase.completedRate).toBeGreaterThan(0);
  });

  it('throughput --compare rabbitmq runs the broker beside codeQ', async (t) => {
    const reachable = await resetRabbitQueue(AMQP_URL, 'codeq-bench.probe').then(
      () => true,
      () => false,
    );
    if (!reachable) t.skip();
    const result = await quick('throughput', { compare: ['rabbitmq'], tasks: 300 });
    const cases = result.data as { system: string; phase: PhaseResult }[];
    expect(cases.map((c) => c.system)).toEqual(['codeq', 'rabbitmq']);
    expect(cases[1]!.phase.completed).toBe(300);
    expect(result.tables[0]!.rows.some((r) => r[0] === 'codeQ ÷ RabbitMQ c50')).toBe(true);
  });
});

describe('bench flags', () => {
  it('takes a list of peers and the producer transport, and refuses what it does not know', () => {
    expect(parseArgs(['--compare', 'bullmq,rabbitmq', '--producer', 'unary']).set).toEqual({
      compare: ['bullmq', 'rabbitmq'],
      producer: 'unary',
    });
    expect(() => parseArgs(['--compare', 'bullmq,kafka'])).toThrow(
      /--compare: one of bullmq, rabbitmq, got "kafka"/,
    );
    expect(parseArgs(['--producer', 'h2-unary']).set).toEqual({ producer: 'h2-unary' });
    expect(parseArgs(['--producer', 'py-unary']).set).toEqual({ producer: 'py-unary' });
    expect(() => parseArgs(['--producer', 'http'])).toThrow(/--producer/);
    expect(parseArgs(['--pin', '--prefetch', '4']).set).toEqual({ pin: true, prefetch: 4 });
    expect(parseArgs(['--calls', 'unary,py-unary']).set).toEqual({ floorCalls: ['unary', 'py-unary'] });
    expect(() => parseArgs(['--calls', 'unary,http'])).toThrow(/--calls: one of .*, got "http"/);
  });

  it('--queues: spread where the scenario takes it, for codeQ and BullMQ, never over more queues than streams', () => {
    const scenario = (name: string) => SCENARIOS.find((s) => s.name === name)!;
    const options = (set: Partial<BenchOptions>) => resolveOptions(scenario('sustained').defaults, set);
    expect(() => checkQueues(scenario('sustained'), options({ queues: 100 }))).not.toThrow();
    expect(() => checkQueues(scenario('sustained'), options({ queues: 1.5 }))).toThrow(
      /--queues: a whole number/,
    );
    expect(() => checkQueues(scenario('sustained'), options({ queues: 0 }))).toThrow(
      /--queues: a whole number/,
    );
    expect(() => checkQueues(scenario('micro'), resolveOptions({}, { queues: 4 }))).toThrow(
      /micro does not take --queues \(.*sustained.*\)/,
    );
    expect(() =>
      checkQueues(scenario('sustained'), options({ queues: 4, compare: ['bullmq'] })),
    ).not.toThrow();
    expect(() => checkQueues(scenario('sustained'), options({ queues: 4, compare: ['rabbitmq'] }))).toThrow(
      /leave out --compare rabbitmq/,
    );
    expect(() => checkQueues(scenario('sustained'), options({ queues: 4, producer: 'py-unary' }))).toThrow(
      /py-unary/,
    );
    expect(() => checkQueues(scenario('sustained'), options({ queues: 301 }))).toThrow(
      /--queues 301 needs at least as many --streams .* got 300/,
    );
  });

  it('--queues names the queues in turn, and keeps the plain name for one', () => {
    expect(spreadQueue('bench', 1, 7)).toBe('bench');
    expect(spreadQueue('bench', undefined, 7)).toBe('bench');
    expect([0, 1, 2, 3, 4].map((i) => spreadQueue('bench', 3, i))).toEqual([
      'bench-0',
      'bench-1',
      'bench-2',
      'bench-0',
      'bench-1',
    ]);
    const turns = new QueueTurns('bench', 3);
    expect(Array.from({ length: 4 }, () => turns.next())).toEqual([
      'bench-0',
      'bench-1',
      'bench-2',
      'bench-0',
    ]);
    const one = new QueueTurns('bench', 1);
    expect([one.next(), one.next()]).toEqual(['bench', 'bench']);
  });
});
