import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { ROOT, sourceFiles } from './source-files.js';

/**
 * The house rule that every exported symbol says what it is for: a declaration exported
 * from the server's or the client library's sources (not a test's) carries a `/** ... *\/`
 * doc comment. Re-exports (`export { X } from`) carry none: the symbol's own file has it.
 */

/** `file:line declaration` of each exported declaration in `text` (of `file`) without a doc comment. */
function undocumented(file: string, text: string): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const out: string[] = [];
  for (const statement of source.statements) {
    if (!ts.canHaveModifiers(statement)) continue;
    const exported = ts.getModifiers(statement)?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
    if (!exported) continue;
    const comments = ts.getLeadingCommentRanges(text, statement.getFullStart()) ?? [];
    if (comments.some((c) => text.startsWith('/**', c.pos))) continue;
    const { line } = source.getLineAndCharacterOfPosition(statement.getStart());
    out.push(`${file}:${line + 1} ${statement.getText().split('\n', 1)[0]!.slice(0, 80)}`);
  }
  return out;
}

describe('doc comments', () => {
  it('are on every exported declaration of src/ and clients/', () => {
    const files = [...sourceFiles('src'), ...sourceFiles('clients')].filter(
      (f) => !/\.(test|d)\.ts$/.test(f),
    );
    expect(files.length).toBeGreaterThan(100);
    expect(files.flatMap((file) => undocumented(file, readFileSync(join(ROOT, file), 'utf8')))).toEqual([]);
  });

  it('are told apart from a line comment, from none, and from re-exports', () => {
    expect(undocumented('x.ts', '/** Why. */\nexport const A = 1;')).toEqual([]);
    expect(undocumented('x.ts', "export { A } from './a.js';\nexport type { B } from './b.js';")).toEqual([]);
    expect(undocumented('x.ts', 'const a = 1;\n// why\nexport const A = a;')).toEqual([
      'x.ts:3 export const A = a;',
    ]);
    expect(undocumented('x.ts', '/* why */\nexport function f(): void {}')).toEqual([
      'x.ts:2 export function f(): void {}',
    ]);
    expect(undocumented('x.ts', 'export interface I {\n  a: number;\n}')).toEqual([
      'x.ts:1 export interface I {',
    ]);
  });
});
