import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parseToolArgs, ToolArgError, toolUsage, type ToolArg } from './tool-args.js';

const ARGS: ToolArg[] = [
  { name: 'calls', default: '3000', kind: 'count' },
  { name: 'prefetch', default: '0', kind: 'count', min: 0 },
  { name: 'store', default: 'memory', kind: ['memory', 'redis'] },
  { name: 'batch sizes', default: '1,8', kind: 'counts' },
];

describe('bench tool arguments', () => {
  it('fills in defaults and keeps what was given', () => {
    expect(parseToolArgs(ARGS, [])).toEqual(['3000', '0', 'memory', '1,8']);
    expect(parseToolArgs(ARGS, ['10', '2', 'redis', '4,64'])).toEqual(['10', '2', 'redis', '4,64']);
  });

  it.each([
    [['abc'], /calls must be a whole number ≥ 1, got 'abc'/],
    [['0'], /calls must be a whole number ≥ 1, got '0'/],
    [['1.5'], /calls must be a whole number/],
    [['--help2'], /calls must be a whole number/],
    [['1', '-1'], /prefetch must be a whole number ≥ 0, got '-1'/],
    [['1', '0', 'mongo'], /store must be one of memory, redis, got 'mongo'/],
    [['1', '0', 'redis', '1,,8'], /batch sizes must be whole numbers ≥ 1 separated by commas/],
    [['1', '0', 'redis', '1', 'extra'], /expected at most 4 argument\(s\), got 5/],
  ])('refuses %j, naming the argument', (argv, message) => {
    expect(() => parseToolArgs(ARGS, argv)).toThrow(ToolArgError);
    expect(() => parseToolArgs(ARGS, argv)).toThrow(message);
  });

  it('writes a usage line with every argument and its default', () => {
    expect(toolUsage('unary-cost', ARGS, 'What it measures.')).toBe(
      'Usage: npm run build && node dist/bench/tools/unary-cost.js [calls, default 3000] ' +
        '[prefetch, default 0] [store: memory|redis, default memory] [batch sizes, default 1,8]\n\n' +
        'What it measures.',
    );
  });

  // Every tool answers --help before it starts anything, and refuses a bad argument with exit 2.
  const here = fileURLToPath(new URL('.', import.meta.url));
  const run = promisify(execFile);
  const fromSource = [
    '--experimental-transform-types',
    '--no-warnings',
    '--import',
    join(here, '..', 'core', 'ts', 'register.ts'),
  ];
  const tools = ['console-cost', 'rate-limit-cost', 'script-cost', 'unary-cost', 'wait-cost', 'worker-cost'];

  it.each(tools)('%s --help prints its usage and exits 0', async (tool) => {
    const { stdout } = await run(process.execPath, [...fromSource, join(here, `${tool}.ts`), '--help']);
    expect(stdout).toContain(`Usage: npm run build && node dist/bench/tools/${tool}.js [`);
  });

  it.each(tools)('%s refuses a word where a number goes, with exit 2', async (tool) => {
    const failure = await run(process.execPath, [...fromSource, join(here, `${tool}.ts`), 'lots']).then(
      () => undefined,
      (err: { code?: number; stderr?: string }) => err,
    );
    expect(failure?.code).toBe(2);
    expect(failure?.stderr).toMatch(new RegExp(`^${tool}: .* got 'lots'`));
  });
});
