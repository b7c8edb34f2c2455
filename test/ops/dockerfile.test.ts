import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');

/** The Dockerfile's stages, each as its COPY lines split into words. */
function stages(): string[][][] {
  const out: string[][][] = [];
  for (const line of readFileSync(join(ROOT, 'Dockerfile'), 'utf8').split('\n')) {
    if (line.startsWith('FROM ')) out.push([]);
    else if (line.startsWith('COPY ')) out[out.length - 1]!.push(line.trim().split(/\s+/).slice(1));
  }
  return out;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && /\.(ts|mjs|js)$/.test(e.name) && !e.name.endsWith('.test.ts'))
    .map((e) => relative(ROOT, join(e.parentPath, e.name)));
}

describe('Dockerfile', () => {
  it('copies every file the compiled code imports (a missing one fails docker build)', () => {
    const [build] = stages();
    const copied = build!.flatMap((words) => words.slice(0, -1)).map((p) => normalize(p));
    const isCopied = (path: string): boolean =>
      copied.some((c) => path === c || path.startsWith(`${c.replace(/\/$/, '')}/`));
    const missing: string[] = [];
    for (const dir of copied.filter((c) => statSync(join(ROOT, c)).isDirectory())) {
      for (const file of sourceFiles(dir)) {
        const text = readFileSync(join(ROOT, file), 'utf8');
        for (const [, spec] of text.matchAll(/(?:from|import\()\s*'(\.{1,2}\/[^']+)'/g)) {
          const target = normalize(join(dirname(file), spec!));
          if (!isCopied(target)) missing.push(`${file} imports ${target}`);
        }
      }
    }
    expect(missing).toEqual([]);
    // The build compiles what tsconfig.build.json includes: bench is not part of the image.
    expect(copied).not.toContain('bench');
    expect(copied).not.toContain('test');
  });

  it('ships a runtime stage with no bench, tests or dev toolchain', () => {
    const [, runtime] = stages();
    const sources = runtime!.map((words) => words[1]);
    expect(runtime!.every((words) => words[0] === '--from=build')).toBe(true);
    expect(sources.sort()).toEqual(['/app/dist', '/app/node_modules', '/app/package.json', '/app/proto']);
    expect(readFileSync(join(ROOT, 'Dockerfile'), 'utf8')).toMatch(/npm prune --omit=dev/);
  });
});
