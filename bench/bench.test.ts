import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { BenchResult } from './core/report.js';
import type { PhaseResult } from './run/phase.js';
import { runScenario } from './run/run-scenario.js';
import { helpText } from './cli/flags.js';
import { SCENARIOS } from './scenarios/index.js';

/**
 * Smoke test of the bench: every scenario but the three of the baseline check (sustained,
 * throughput and micro, run beside BullMQ by `npm run bench:check`, part of `npm test`)
 * starts, runs in its quick mode (about a second:
 * its own redis-server, the server and the load in child processes run from the
 * sources), returns a result with sane fields, and stops cleanly.
 */
const out = mkdtempSync(join(tmpdir(), 'codeq-bench-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

function quick(name: string, extra: Record<string, unknown> = {}): Promise<BenchResult> {
  return runScenario(name, { quiet: true, out, ...extra }, `smoke ${name}`, true);
}

/** Fields every result has, whatever the scenario. */
function expectWellFormed(result: BenchResult, name: string): void {
  expect(result.scenario).toBe(name);
  expect(result.machine.cores).toBeGreaterThan(0);
  expect(result.tables.length).toBeGreaterThan(0);
  for (const table of result.tables) {
    expect(table.rows.length).toBeGreaterThan(0);
    for (const row of table.rows) expect(row.length).toBe(table.columns.length);
  }
  for (const t of result.targets) expect(typeof t.met).toBe('boolean');
  expect(() => JSON.stringify(result)).not.toThrow();
}

/** A phase that moved its tasks and measured them. */
function expectDelivered(phase: PhaseResult): void {
  expect(phase.received).toBeGreaterThan(0);
  expect(phase.received).toBeGreaterThanOrEqual(phase.sent - phase.failed);
  expect(phase.failed).toBe(0);
  expect(phase.claim.count + phase.dispatch.count).toBeGreaterThan(0);
  expect(phase.cpuPerTaskUs.redis).toBeGreaterThan(0);
}

describe.concurrent('bench scenarios (quick mode)', { timeout: 60_000 }, () => {
  it('offers every scenario in --help, each with its summary and a quick mode', () => {
    const help = helpText(SCENARIOS);
    const names = SCENARIOS.map((s) => s.name);
    expect(new Set(names).size).toBe(names.length);
    for (const s of SCENARIOS) {
      expect(help).toContain(`${s.name}`);
      expect(help).toContain(s.summary);
      expect(Object.keys(s.quick).length, s.name).toBeGreaterThan(0);
    }
    expect(help).toContain('--check-baseline');
  });

  for (const name of ['burst', 'many-workers', 'priorities', 'delayed']) {
    it(name, async () => {
      const result = await quick(name);
      expectWellFormed(result, name);
      const data = result.data as PhaseResult[] | { phases: PhaseResult[] };
      const phase = (Array.isArray(data) ? data : data.phases)[0]!;
      expectDelivered(phase);
      if (name === 'priorities') expect(Object.keys(phase.byPriority).sort()).toEqual(['0', '5', '9']);
      if (name === 'delayed') expect(phase.late.count).toBeGreaterThan(0);
    });
  }

  it('knee', async () => {
    const result = await quick('knee');
    expectWellFormed(result, 'knee');
    const runs = result.data as { steps: { phase: PhaseResult; keptUp: boolean }[]; knee: number }[];
    expect(runs[0]!.steps.length).toBeGreaterThan(0);
    expectDelivered(runs[0]!.steps[0]!.phase);
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
});
