import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolveOptions } from '../cli/flags.js';
import type { BenchOptions } from '../cli/options.js';
import { describeMachine } from '../core/machine.js';
import { Progress } from '../core/progress.js';
import type { BenchResult } from '../core/report.js';
import { BenchRedis } from '../infra/redis.js';
import { findScenario, SCENARIOS } from '../scenarios/index.js';
import type { Scenario } from '../scenarios/scenario.js';

/**
 * Runs one scenario end to end: a private redis-server, the scenario, the result (JSON
 * and charts written under `options.out`), and everything stopped again.
 */
export async function runScenario(
  name: string,
  set: Partial<BenchOptions>,
  command: string,
  quick = false,
): Promise<BenchResult> {
  const scenario = findScenario(name);
  if (!scenario) throw new Error(`unknown scenario ${JSON.stringify(name)} (see --help)`);
  const unsupported = set.compare?.find((peer) => !scenario.compares.includes(peer));
  if (unsupported) throw new Error(`${name} does not support --compare ${unsupported}`);
  const options = resolveOptions(
    { ...scenario.defaults, ...(quick ? scenario.quick : {}) },
    { ...set, scenario: name },
  );
  checkQueues(scenario, options);
  const started = Date.now();
  const progress = new Progress(options.quiet);
  const redis = await BenchRedis.start();
  let result: BenchResult;
  try {
    const report = await scenario.run({ options, redis, progress });
    result = {
      scenario: name,
      command,
      date: new Date(started).toISOString(),
      machine: describeMachine(),
      options: { ...options },
      elapsedS: Math.round((Date.now() - started) / 1000),
      ...report,
    };
  } finally {
    progress.clear();
    await redis.stop();
  }
  writeResult(options.out, result);
  return result;
}

/** `--queues N`: a whole number; above 1 only where the scenario spreads its load, for codeQ and BullMQ. */
export function checkQueues(scenario: Scenario, options: BenchOptions): void {
  const { queues } = options;
  if (!Number.isInteger(queues) || queues < 1)
    throw new Error(`--queues: a whole number >= 1, got ${queues}`);
  if (queues === 1) return;
  if (!scenario.spreadsQueues) {
    const takers = SCENARIOS.filter((s) => s.spreadsQueues).map((s) => s.name);
    throw new Error(`${scenario.name} does not take --queues (${takers.join(', ')} do)`);
  }
  if (options.compare.includes('rabbitmq'))
    throw new Error(
      "--queues spreads codeQ's and BullMQ's load, not RabbitMQ's: leave out --compare rabbitmq",
    );
  if (options.producer === 'py-unary')
    throw new Error('--queues does not reach the py-unary producer: use --producer unary or h2-unary');
  if (queues > options.streams)
    throw new Error(
      `--queues ${queues} needs at least as many --streams (one stream claims from one queue), got ${options.streams}`,
    );
}

function writeResult(dir: string, result: BenchResult): void {
  mkdirSync(dir, { recursive: true });
  const stamp = result.date.replace(/[:.]/g, '-');
  writeFileSync(join(dir, `${result.scenario}-${stamp}.json`), JSON.stringify(result, null, 2));
  for (const chart of result.charts) writeFileSync(join(dir, chart.name), chart.svg);
}
