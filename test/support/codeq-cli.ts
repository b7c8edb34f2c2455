import { join } from 'node:path';
import { afterEach, beforeEach, vi } from 'vitest';
import { runCli } from '../../src/cli/codeq.js';

/** The repository's root: the working directory of a `codeq` started from its sources. */
export const ROOT = join(import.meta.dirname, '..', '..');

/**
 * Node's arguments that run the `codeq` executable straight from its TypeScript sources,
 * as a user runs the built one; spawn `process.execPath` with them (cwd: {@link ROOT}),
 * followed by the command's own arguments.
 */
export const CODEQ_FROM_SOURCES: readonly string[] = [
  '--experimental-transform-types',
  '--disable-warning=ExperimentalWarning',
  '--import',
  './bench/core/ts/register.ts',
  'src/cli/main.ts',
];

/** What `codeq`, run in this process, printed during the current test. */
export interface CliCapture {
  /** Its console.log lines. */
  readonly lines: string[];
  /** Its console.error lines. */
  readonly errors: string[];
  /** Runs `codeq argv` in this process and returns the exit code it set, leaving none set. */
  readonly exitCode: (argv: string[]) => Promise<typeof process.exitCode>;
}

/**
 * Captures console.log and console.error in every test of the calling file (hooks of its
 * own: emptied before each test, restored after), for tests of `codeq` run in-process.
 */
export function captureCli(): CliCapture {
  const lines: string[] = [];
  const errors: string[] = [];
  beforeEach(() => {
    lines.length = 0;
    errors.length = 0;
    vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void lines.push(args.join(' ')));
    vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => void errors.push(args.join(' ')));
  });
  afterEach(() => vi.restoreAllMocks());
  return {
    lines,
    errors,
    exitCode: async (argv) => {
      process.exitCode = undefined;
      await runCli(argv);
      const code = process.exitCode;
      process.exitCode = undefined;
      return code;
    },
  };
}
