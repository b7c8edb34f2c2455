import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { captureCli } from '../../test/support/codeq-cli.js';

const { lines, errors, exitCode } = captureCli();
let written: string[];
const dir = mkdtempSync(join(tmpdir(), 'codeq-trace-'));

beforeEach(() => {
  written = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    written.push(String(chunk));
    return true;
  });
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

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
