import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The direction of dependencies (docs/architecture.md), checked over the import graph:
 * a relative import that crosses a layer the wrong way fails here, naming both files.
 */
const ROOT = normalize(join(dirname(fileURLToPath(import.meta.url)), '../..'));

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(ROOT, dir))) {
    const path = join(dir, name);
    if (name === 'generated' || name === 'node_modules') continue;
    if (statSync(join(ROOT, path)).isDirectory()) out.push(...sourceFiles(path));
    else if (name.endsWith('.ts')) out.push(path);
  }
  return out;
}

/** Relative imports of a file, as repository paths. */
function importsOf(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const specs = [...text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)].map((m) => m[1]!);
  return specs.map((spec) => relative(ROOT, join(ROOT, dirname(file), spec)));
}

/** Layer of a path: the first rule whose prefix matches. */
const LAYERS: [prefix: string, layer: string][] = [
  ['src/api/', 'core'],
  ['src/domain/', 'core'],
  ['src/spans/', 'core'],
  ['src/lease-store/', 'store'],
  ['src/dispatcher/', 'server'],
  ['src/server/', 'server'],
  ['src/telemetry/', 'server'],
  ['src/config/', 'server'],
  ['src/auth/', 'server'],
  ['src/trace-viewer/', 'trace-viewer'],
  ['src/cli/', 'cli'],
  ['clients/', 'client'],
  ['support/', 'support'],
  ['bench/', 'bench'],
  ['test/', 'test'],
];

/** Which layers each layer may import (besides itself). */
const MAY_IMPORT: Record<string, string[]> = {
  core: [],
  store: ['core'],
  server: ['core', 'store'],
  'trace-viewer': ['core', 'server'],
  client: ['core'],
  cli: ['core', 'store', 'server', 'trace-viewer', 'client'],
  support: [],
  bench: ['core', 'store', 'server', 'client', 'support'],
  test: ['core', 'store', 'server', 'trace-viewer', 'client', 'cli', 'support', 'bench'],
};

function layerOf(path: string): string | undefined {
  return LAYERS.find(([prefix]) => path.startsWith(prefix))?.[1];
}

describe('layers', () => {
  const files = ['src', 'clients', 'bench', 'support', 'test'].flatMap((d) => sourceFiles(d));

  it('finds the source files it checks', () => {
    expect(files.length).toBeGreaterThan(100);
    for (const f of files) expect(layerOf(f), f).toBeDefined();
  });

  it('import only downwards: core, store, server, client, cli; bench and tests on top', () => {
    const wrong: string[] = [];
    for (const file of files) {
      const from = layerOf(file)!;
      // A unit test next to its code may use the test helpers.
      const allowed = new Set([
        from,
        ...MAY_IMPORT[from]!,
        ...(file.endsWith('.test.ts') ? ['test', 'support'] : []),
      ]);
      for (const target of importsOf(file)) {
        const to = layerOf(target);
        if (to && !allowed.has(to)) wrong.push(`${file} (${from}) imports ${target} (${to})`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('keeps Redis key names in the Redis store and gRPC out of the lease store', () => {
    const wrong: string[] = [];
    for (const file of files.filter((f) => f.startsWith('src/') && !f.endsWith('.test.ts'))) {
      const text = readFileSync(join(ROOT, file), 'utf8');
      if (file.startsWith('src/lease-store/') && /from '@grpc\//.test(text))
        wrong.push(`${file} imports grpc`);
      if (!file.startsWith('src/lease-store/redis/') && !file.startsWith('src/cli/'))
        for (const target of importsOf(file))
          if (target.startsWith('src/lease-store/redis/')) wrong.push(`${file} imports ${target}`);
    }
    expect(wrong).toEqual([]);
  });
});
