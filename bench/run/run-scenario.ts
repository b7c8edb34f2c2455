import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolveOptions } from '../cli/flags.js';
import type { BenchOptions } from '../cli/options.js';
import { describeMachine } from '../core/machine.js';
import { Progress } from '../core/progress.js';
import type { BenchResult } from '../core/report.js';
import { BenchRedis } from '../infra/redis.js';
import { findScenario } from '../scenarios/index.js';

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

function writeResult(dir: string, result: BenchResult): void {
  mkdirSync(dir, { recursive: true });
  const stamp = result.date.replace(/[:.]/g, '-');
  writeFileSync(join(dir, `${result.scenario}-${stamp}.json`), JSON.stringify(result, null, 2));
  for (const chart of result.charts) writeFileSync(join(dir, chart.name), chart.svg);
}
