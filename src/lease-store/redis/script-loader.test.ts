import { mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { expandIncludes, loadLibrary, loadScripts, SCRIPTS_DIR, scriptCodesLua } from './script-loader.js';
import { ARGS_INCLUDE, argsLua, SPECS, type ScriptSpec } from './script-specs.js';

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

describe('argsLua', () => {
  const spec = {
    file: 'demo',
    keys: ['ready', 'leased'],
    args: ['now', 'finishedTtlMs', 'deadTtlMs'],
    buffer: false,
  };

  it('binds each key and argument to its position in the spec, and the tail after them', () => {
    expect(argsLua(spec)).toBe(
      [
        'local K = {',
        '  ready = KEYS[1],',
        '  leased = KEYS[2],',
        '}',
        'local A = {',
        '  now = ARGV[1],',
        '  finishedTtlMs = ARGV[2],',
        '  deadTtlMs = ARGV[3],',
        '}',
        'local TAIL = 4',
      ].join('\n'),
    );
  });

  it('refuses a name Lua cannot use or one given twice, naming it', () => {
    expect(() => argsLua({ ...spec, args: ['now', 'now'] })).toThrow(/demo: ARGV name now appears twice/);
    expect(() => argsLua({ ...spec, keys: ['ready-set'] })).toThrow(/"ready-set" is not a Lua name/);
  });

  it('is what the args include expands to, and only for a script with a spec', async () => {
    const lua = await expandIncludes(
      `--@include "${ARGS_INCLUDE}"\nreturn A.deadTtlMs`,
      '/nonexistent',
      new Set(),
      spec,
    );
    expect(lua).toContain(argsLua(spec));
    await expect(expandIncludes(`--@include "${ARGS_INCLUDE}"`, '/nonexistent')).rejects.toThrow(/SPECS/);
  });
});

/** A script's source without its generated bindings (snippets/args.lua). */
function withoutBindings(lua: string): string {
  return lua.replace(
    new RegExp(
      `-- begin ${ARGS_INCLUDE.replace('.', '\\.')}[\\s\\S]*?-- end ${ARGS_INCLUDE.replace('.', '\\.')}`,
    ),
    '',
  );
}

describe('the store scripts', () => {
  it('are one verb-N.lua per state change, fully expanded', async () => {
    const scripts = await loadScripts();
    expect(scripts.map((s) => `${s.name}-${s.numberOfKeys}`).sort()).toEqual([
      'abandon-1',
      'cancel-3',
      'charge-1',
      'claim-6',
      'configure-1',
      'enqueue-3',
      'enqueue-claim-6',
      'forget-6',
      'get-2',
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

  it('each bind their KEYS and ARGV by name from their spec, and have a spec each', async () => {
    const scripts = await loadScripts();
    const specs: ScriptSpec[] = Object.values(SPECS);
    expect(scripts.map((s) => s.name).sort()).toEqual(specs.map((s) => s.file).sort());
    for (const s of scripts) {
      const spec = specs.find((x) => x.file === s.name)!;
      expect(spec.keys.length, `${s.name}: SPECS names as many keys as its file name says`).toBe(
        s.numberOfKeys,
      );
      expect(s.lua, s.name).toContain(`-- begin ${ARGS_INCLUDE}`);
      expect(s.lua, s.name).toContain(argsLua(spec));
    }
  });

  it('index KEYS and ARGV by number only in the generated bindings', async () => {
    for (const s of await loadScripts()) {
      const outside = withoutBindings(s.lua);
      // A literal position (ARGV[11], KEYS[2], ARGV[3 + i]) or a literal start of the tail.
      expect(outside, s.name).not.toMatch(/\b(?:ARGV|KEYS)\s*\[\s*\d/);
      expect(outside, s.name).not.toMatch(/takeRandomSeed\(\s*\d/);
      // Every K.x and A.x the script reads is one its spec binds.
      const spec = Object.values(SPECS).find((x: ScriptSpec) => x.file === s.name)!;
      for (const [, table, name] of outside.matchAll(/(?<![\w.])([KA])\.(\w+)/g)) {
        const bound: readonly string[] = table === 'K' ? spec.keys : spec.args;
        expect(bound, `${s.name} reads ${table}.${name!}`).toContain(name);
      }
    }
  });

  it('name in their header every key and argument their spec binds, and no other', async () => {
    for (const s of await loadScripts()) {
      const header = /^--\[\[([\s\S]*?)\]\]/.exec(s.lua)?.[1] ?? '';
      expect(header, `${s.name} has a header comment`).toMatch(/Returns/);
      expect(header, `${s.name}: positions live in SPECS only`).not.toMatch(/\b(?:ARGV|KEYS)\[/);
      const spec = Object.values(SPECS).find((x: ScriptSpec) => x.file === s.name)!;
      const named = (table: string) =>
        new Set(
          [...header.matchAll(/(?<![\w.])([KA])\.(\w+)/g)].filter((m) => m[1] === table).map((m) => m[2]),
        );
      expect(named('K'), s.name).toEqual(new Set(spec.keys));
      expect(named('A'), s.name).toEqual(new Set(spec.args));
    }
  });

  it('share one table of result codes with TypeScript', async () => {
    expect(scriptCodesLua()).toContain('LEASE_TOO_OLD = -8,');
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

describe('the store library (Redis Functions)', () => {
  it('has one function per script, named by the hash of its code', async () => {
    const library = await loadLibrary();
    const scripts = await loadScripts();
    expect([...library.functions.keys()].sort()).toEqual(scripts.map((s) => s.name).sort());
    expect(library.name).toMatch(/^codeq_[0-9a-f]{16}$/);
    expect(library.code.split('\n')[0]).toBe(`#!lua name=${library.name}`);
    for (const [verb, fn] of library.functions) {
      expect(fn.name, verb).toBe(`${library.name}_${verb.replaceAll('-', '_')}`);
      expect(fn.numberOfKeys, verb).toBe(scripts.find((s) => s.name === verb)!.numberOfKeys);
      expect(library.code, verb).toContain(`redis.register_function('${fn.name}', function(keys, args)`);
    }
    expect(library.code).not.toContain('--@include');
  });

  it('defines each snippet function once, outside the functions, and binds each script its own arguments', async () => {
    const library = await loadLibrary();
    const names = [...library.code.matchAll(/^local function (\w+)/gm)].map((m) => m[1]);
    expect(new Set(names).size).toBe(names.length);
    const snippetFunctions = readdirSync(join(SCRIPTS_DIR, 'snippets')).flatMap((file) =>
      [...readFileSync(join(SCRIPTS_DIR, 'snippets', file), 'utf8').matchAll(/^local function (\w+)/gm)].map(
        (m) => m[1]!,
      ),
    );
    expect(snippetFunctions.length).toBeGreaterThan(30);
    const firstFunction = library.code.indexOf('redis.register_function(');
    for (const name of snippetFunctions)
      expect(library.code.indexOf(`local function ${name}(`), `${name} is a library local`).toBeLessThan(
        firstFunction,
      );
    for (const spec of Object.values(SPECS) as ScriptSpec[]) expect(library.code).toContain(argsLua(spec));
  });

  it('names a new version of the code anew, so two versions can share one Redis', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'codeq-lib-'));
    try {
      mkdirSync(join(dir, 'snippets'));
      writeFileSync(join(dir, 'snippets', 'a.lua'), 'local function a() return 1 end');
      writeFileSync(join(dir, 'resume-2.lua'), '--@include "snippets/a.lua"\nreturn a()');
      const one = await loadLibrary(dir);
      writeFileSync(join(dir, 'resume-2.lua'), '--@include "snippets/a.lua"\nreturn a() + 1');
      const two = await loadLibrary(dir);
      expect(two.name).not.toBe(one.name);
      expect(two.code).not.toContain(one.name);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
