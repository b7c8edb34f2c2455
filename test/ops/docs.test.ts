import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');

/** Every text file the repository tracks (and the ones about to be added), with its lines. */
function trackedFiles(): string[] {
  const out = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  return out.split('\n').filter((f) => f && existsSync(join(ROOT, f)) && !/\.(svg|png|lock)$/.test(f));
}

describe('documentation references', () => {
  it('cite the design as docs/design.md, which exists, and nothing outside the repository', () => {
    expect(existsSync(join(ROOT, 'docs/design.md'))).toBe(true);
    const bad: string[] = [];
    // Built from parts so this file does not match itself.
    const outside = ['DESIGN', '.md'].join('');
    const shared = ['..', 'shared'].join('/');
    for (const file of trackedFiles()) {
      readFileSync(join(ROOT, file), 'utf8')
        .split('\n')
        .forEach((line, i) => {
          if (line.includes(outside) || line.includes(shared)) bad.push(`${file}:${i + 1}: ${line.trim()}`);
        });
    }
    expect(bad).toEqual([]);
  });

  it('every relative link of docs/design.md and README.md resolves', () => {
    const broken: string[] = [];
    for (const doc of ['docs/design.md', 'README.md']) {
      const text = readFileSync(join(ROOT, doc), 'utf8');
      for (const [, target] of text.matchAll(/\]\(([^)#:]+)(?:#[^)]*)?\)/g)) {
        if (!existsSync(join(ROOT, doc, '..', target!))) broken.push(`${doc} → ${target}`);
      }
    }
    expect(broken).toEqual([]);
  });
});
