import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { runCli } from './codeq.js';

let lines: string[];
let errors: string[];
let written: string[];
const dir = mkdtempSync(join(tmpdir(), 'codeq-trace-'));

beforeEach(() => {
  lines = [];
  errors = [];
  vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void lines.push(args.join(' ')));
  vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => void errors.push(args.join(' ')));
  written = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    written.push(String(chunk));
    return true;
  });
});

afterEach(() => vi.restoreAllMocks());
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The exit code `runCli(argv)` sets. */
async function exitCode(argv: string[]): Promise<unknown> {
  process.exitCode = undefined;
  await runCli(argv);
  const code = process.exitCode;
  process.exitCode = undefined;
  return code;
}

describe('codeq trace --svg', () => {
  it('names the flag of a path it cannot write, exit 2, before the demo runs', async () => {
    expect(await exitCode(['trace', '--demo', '--svg', '/nonexistent/dir/x.svg'])).toBe(2);
    expect(errors).toEqual([
      'codeq: --svg: cannot write /nonexistent/dir/x.svg: no such directory /nonexistent/dir',
    ]);
    // Nothing was drawn: the demo did not run.
    expect(lines).toEqual([]);
    expect(written).toEqual([]);
    expect(await exitCode(['trace', '--demo', '--svg', dir])).toBe(2);
    expect(errors.at(-1)).toBe(`codeq: --svg: cannot write ${dir}: it is a directory`);
  });
});

describe('codeq trace --file', () => {
  it('names the flag of a file it cannot read, exit 2', async () => {
    const missing = join(dir, 'nope.json');
    expect(await exitCode(['trace', 'T', '--file', missing])).toBe(2);
    expect(errors.at(-1)).toMatch(/^codeq: --file: cannot read .*nope\.json: ENOENT/);
  });
});
