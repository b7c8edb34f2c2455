import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'codeq-jwt-args-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `node scripts/make-test-jwt.mjs ARGS`: its exit status and what it printed. */
function script(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const { status, stdout, stderr } = spawnSync(
    process.execPath,
    [join(ROOT, 'scripts/make-test-jwt.mjs'), ...args],
    { encoding: 'utf8' },
  );
  return { status, stdout, stderr };
}

describe('scripts/make-test-jwt.mjs refusing its command line', () => {
  it('names an unknown option in one line, with where the options are listed, exit 2', () => {
    expect(script('--bogus')).toEqual({
      status: 2,
      stdout: '',
      stderr:
        'make-test-jwt: unknown option --bogus (node scripts/make-test-jwt.mjs --help lists the options)\n',
    });
  });

  it('names --expires-in that jose cannot read, exit 2, before it makes a key', () => {
    const keys = join(dir, 'keys');
    expect(script('--dir', keys, '--scope', 'read:*', '--expires-in', 'banana')).toEqual({
      status: 2,
      stdout: '',
      stderr:
        'make-test-jwt: --expires-in: expected a span such as 30m, 2h or 1d, got "banana" (see node scripts/make-test-jwt.mjs --help)\n',
    });
    expect(existsSync(keys)).toBe(false);
  });

  it('has --help, within 88 columns', () => {
    const { status, stdout } = script('--help');
    expect(status).toBe(0);
    expect(stdout).toMatch(/--expires-in SPAN/);
    expect(stdout).toMatch(/-h, --help/);
    expect(stdout.split('\n').filter((line) => line.length > 88)).toEqual([]);
  });
});
