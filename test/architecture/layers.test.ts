import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, sourceFiles } from './source-files.js';

/**
 * The direction of dependencies, checked over the import graph against the folder table
 * of docs/architecture.md, which is the one statement of the rule: a relative import that
 * its folder's row does not allow fails here, naming both files.
 */

/** Relative imports of a file, as repository paths. */
function importsOf(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const specs = [...text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)].map((m) => m[1]!);
  return specs.map((spec) => relative(ROOT, join(ROOT, dirname(file), spec)));
}

/** A row of the folder table in docs/architecture.md: the rule for one folder. */
interface FolderRule {
  /** The folder as the table writes it, e.g. `src/server/`. */
  folder: string;
  /** The name other rows use for it: the folder without `src/` and the last `/`. */
  name: string;
  /** The cell as written, for messages. */
  mayImportText: string;
  /** Folders its files may import besides their own. */
  mayImport: string[];
}

const CORE = ['src/api/', 'src/domain/', 'src/spans/'];

/**
 * Reads the folder table of docs/architecture.md (the one with the columns `folder` and
 * `may import`): one rule per backquoted folder of the first cell. In "may import",
 * `core` is the three core folders, `anything` every folder, a cell starting `nothing` none,
 * and words after `;` or in parentheses are remarks; every other name must be a row's.
 */
function parseFolderTable(markdown: string): FolderRule[] {
  const lines = markdown.split('\n');
  const cells = (line: string) =>
    line
      .trim()
      .replace(/^\|/, '')
      .replace(/\|$/, '')
      .split('|')
      .map((c) => c.trim());
  const head = lines.findIndex((l) => l.trim().startsWith('|') && cells(l).includes('may import'));
  if (head < 0) throw new Error('docs/architecture.md: no table with a "may import" column');
  const columns = cells(lines[head]!);
  const folderAt = columns.indexOf('folder');
  const importAt = columns.indexOf('may import');
  if (folderAt < 0) throw new Error('docs/architecture.md: the "may import" table has no "folder" column');
  const rows: { folders: string[]; text: string }[] = [];
  for (const line of lines.slice(head + 2)) {
    if (!line.trim().startsWith('|')) break;
    const row = cells(line);
    const folders = [...(row[folderAt] ?? '').matchAll(/`([^`]+\/)`/g)].map((m) => m[1]!);
    if (folders.length === 0) throw new Error(`docs/architecture.md: a row names no folder: ${line.trim()}`);
    rows.push({ folders, text: row[importAt] ?? '' });
  }
  const nameOf = (folder: string) => folder.replace(/^src\//, '').replace(/\/$/, '');
  const all = rows.flatMap((r) => r.folders);
  const byName = new Map(all.map((f) => [nameOf(f), f]));
  return rows.flatMap(({ folders, text }) => {
    const rule = text
      .replace(/\([^)]*\)/g, '')
      .split(';')[0]!
      .replace(/`/g, '')
      .trim();
    let mayImport: string[];
    if (/^nothing\b/.test(rule)) mayImport = [];
    else if (rule === 'anything') mayImport = all;
    else
      mayImport = rule.split(',').flatMap((item) => {
        const name = item.trim();
        if (name === 'core') return CORE;
        const folder = byName.get(name);
        if (!folder)
          throw new Error(
            `docs/architecture.md: row ${folders.join(', ')} may import "${name}", which is no row's name (${[...byName.keys()].join(', ')})`,
          );
        return [folder];
      });
    return folders.map((folder) => ({ folder, name: nameOf(folder), mayImportText: text, mayImport }));
  });
}

const RULES = parseFolderTable(readFileSync(join(ROOT, 'docs/architecture.md'), 'utf8'));

/** The rule of a path: the row of its longest folder. */
function ruleOf(path: string, rules: readonly FolderRule[] = RULES): FolderRule | undefined {
  let best: FolderRule | undefined;
  for (const r of rules)
    if (path.startsWith(r.folder) && (!best || r.folder.length > best.folder.length)) best = r;
  return best;
}

/** Imports that break the rules, one line each naming both files and the row's rule. */
function wrongImports(
  files: readonly string[],
  rules: readonly FolderRule[],
  imports: (file: string) => string[],
): string[] {
  const wrong: string[] = [];
  for (const file of files) {
    const from = ruleOf(file, rules)!;
    // A unit test next to its code may use the test helpers.
    const allowed = new Set([
      from.folder,
      ...from.mayImport,
      ...(file.endsWith('.test.ts') ? ['test/', 'support/'] : []),
    ]);
    for (const target of imports(file)) {
      const to = ruleOf(target, rules);
      if (to && !allowed.has(to.folder))
        wrong.push(
          `${file} imports ${target}: ${from.folder} may import ${from.mayImportText || 'nothing'}, not ${to.name}`,
        );
    }
  }
  return wrong;
}

describe('the folder table of docs/architecture.md', () => {
  it('parses core, names, remarks, nothing and anything', () => {
    const rules = parseFolderTable(
      [
        'prose',
        '| folder | what lives there | may import |',
        '| --- | --- | --- |',
        '| `src/api/` | types | nothing of codeQ |',
        '| `src/domain/` | tasks | core |',
        '| `src/spans/` | spans | core |',
        '| `src/dispatcher/` | leases to streams | core, `lease-store`, telemetry (its logger) |',
        '| `src/lease-store/` | stores | core; never gRPC |',
        '| `src/telemetry/`, `src/telemetry/x/` | spans | core |',
        '| `test/` | tests | anything |',
        '',
        '| other | table |',
      ].join('\n'),
    );
    const of = (folder: string) => rules.find((r) => r.folder === folder)?.mayImport;
    expect(of('src/api/')).toEqual([]);
    expect(of('src/lease-store/')).toEqual(CORE);
    expect(of('src/dispatcher/')).toEqual([...CORE, 'src/lease-store/', 'src/telemetry/']);
    expect(of('src/telemetry/x/')).toEqual(CORE);
    expect(of('test/')).toHaveLength(8);
    expect(rules.find((r) => r.folder === 'src/telemetry/x/')?.name).toBe('telemetry/x');
  });

  it('fails naming a row that may import a folder with no row', () => {
    const table = '| folder | may import |\n| --- | --- |\n| `src/server/` | core, dispatch |';
    expect(() => parseFolderTable(table)).toThrow(
      /src\/server\/ may import "dispatch", which is no row's name/,
    );
  });

  it('catches an import its row does not allow, and allows one of a deeper row by that row', () => {
    const rules = parseFolderTable(
      [
        '| folder | may import |',
        '| --- | --- |',
        '| `src/api/` | nothing |',
        '| `src/domain/` | core |',
        '| `src/spans/` | core |',
        '| `src/server/` | core |',
        '| `src/server/auth/` | core, server |',
        '| `src/dispatcher/` | core |',
      ].join('\n'),
    );
    const imports: Record<string, string[]> = {
      'src/dispatcher/d.ts': ['src/server/s.ts'],
      'src/server/auth/a.ts': ['src/server/s.ts'],
      'src/server/s.ts': ['src/server/auth/a.ts', 'src/domain/t.ts'],
    };
    expect(wrongImports(Object.keys(imports), rules, (f) => imports[f]!)).toEqual([
      'src/dispatcher/d.ts imports src/server/s.ts: src/dispatcher/ may import core, not server',
      'src/server/s.ts imports src/server/auth/a.ts: src/server/ may import core, not server/auth',
    ]);
  });
});

describe('layers', () => {
  const files = ['src', 'clients', 'bench', 'support', 'test'].flatMap((d) => sourceFiles(d));

  it("finds the source files it checks, each under a row of the table, and every row's folder", () => {
    expect(files.length).toBeGreaterThan(100);
    expect(
      files.filter((f) => !ruleOf(f)),
      'files under no row of docs/architecture.md',
    ).toEqual([]);
    for (const r of RULES) expect(existsSync(join(ROOT, r.folder)), r.folder).toBe(true);
  });

  it("import only what their folder's row in docs/architecture.md allows", () => {
    expect(wrongImports(files, RULES, importsOf)).toEqual([]);
  });

  it('turns errors into gRPC statuses only at the call boundary (src/server/grpc-status.ts)', () => {
    const BOUNDARY = 'src/server/grpc-status.ts';
    const wrong: string[] = [];
    for (const file of files.filter(
      (f) => f.startsWith('src/') && !f.endsWith('.test.ts') && f !== BOUNDARY,
    )) {
      const text = readFileSync(join(ROOT, file), 'utf8');
      // grpc-js's status codes, by name or through the namespace: only the boundary picks one.
      for (const m of text.matchAll(/import\s*\{([^}]*)\}\s*from\s*'@grpc\/grpc-js'/g))
        if (/(^|[\s,])status\b/.test(m[1]!.replace(/\btype\s+\w+/g, '')))
          wrong.push(`${file} imports status`);
      if (/\bgrpc\.status\b/.test(text)) wrong.push(`${file} uses grpc.status`);
      // A status object written out by hand, to end a call or a stream.
      if (/emit\(\s*'error',\s*\{|sendStatus\(\s*\{/.test(text))
        wrong.push(`${file} builds a status by hand`);
    }
    expect(wrong, `statuses come from ${BOUNDARY} (toGrpcStatus, endStream, unary)`).toEqual([]);
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
