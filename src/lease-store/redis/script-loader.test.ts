import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { expandIncludes, loadScripts, scriptCodesLua } from './script-loader.js';

describe('expandIncludes', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  function snippets(files: Record<string, string>): string {
    dir = mkdtempSync(join(tmpdir(), 'codeq-lua-'));
    mkdirSync(join(dir, 'snippets'));
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    return dir;
  }

  it('inlines each file once, dependencies before the file that includes them', async () => {
    const root = snippets({
      'snippets/a.lua': 'local A = 1',
      'snippets/b.lua': '--@include "snippets/a.lua"\nlocal B = A + 1',
    });
    const lua = await expandIncludes(
      '--@include "snippets/b.lua"\n--@include "snippets/a.lua"\nreturn B',
      root,
    );
    expect(lua.match(/local A = 1/g)).toHaveLength(1);
    expect(lua.indexOf('local A = 1')).toBeLessThan(lua.indexOf('local B = A + 1'));
    expect(lua).not.toContain('--@include');
    expect(lua.trimEnd().endsWith('return B')).toBe(true);
  });

  it('fails naming a missing include', async () => {
    const root = snippets({});
    await expect(expandIncludes('--@include "snippets/nope.lua"', root)).rejects.toThrow(
      /snippets\/nope\.lua/,
    );
  });
});

describe('the store scripts', () => {
  it('are one verb-N.lua per state change, fully expanded', async () => {
    const scripts = await loadScripts();
    expect(scripts.map((s) => `${s.name}-${s.numberOfKeys}`).sort()).toEqual([
      'abandon-1',
      'cancel-3',
      'claim-6',
      'enqueue-3',
      'enqueue-claim-6',
      'get-1',
      'heartbeat-1',
      'list-1',
      'note-due-1',
      'purge-4',
      'redrive-3',
      'resume-2',
      'settle-5',
      'settle-claim-6',
      'stats-4',
      'wait-1',
    ]);
    for (const s of scripts) expect(s.lua, s.name).not.toContain('--@include');
  });

  it('document every KEYS[i] they take in their header, and no other', async () => {
    for (const s of await loadScripts()) {
      const header = /^--\[\[([\s\S]*?)\]\]/.exec(s.lua)?.[1] ?? '';
      expect(header, `${s.name} has a header comment`).toMatch(/Returns/);
      for (let i = 1; i <= s.numberOfKeys; i++) expect(header, s.name).toContain(`KEYS[${i}]`);
      expect(header, s.name).not.toContain(`KEYS[${s.numberOfKeys + 1}]`);
      expect(header, s.name).toContain('ARGV[1]');
      const used = [...s.lua.matchAll(/KEYS\[(\d+)\]/g)].map((m) => Number(m[1]));
      expect(Math.max(...used), `${s.name} uses no KEYS beyond its N`).toBe(s.numberOfKeys);
    }
  });

  it('share one table of result codes with TypeScript', async () => {
    expect(scriptCodesLua()).toContain('NEED_RANDOMS = -7,');
    expect(scriptCodesLua()).toContain('NOT_FOUND = -1,');
    for (const s of await loadScripts()) {
      // A refusal code is a CODE.* name, never a bare negative literal in a return.
      expect(s.lua, s.name).not.toMatch(/return \{?\s*-\d/);
    }
  });

  it('never paste a snippet function twice', async () => {
    for (const s of await loadScripts()) {
      const names = [...s.lua.matchAll(/^local function (\w+)/gm)].map((m) => m[1]);
      expect(new Set(names).size, s.name).toBe(names.length);
    }
  });
});
