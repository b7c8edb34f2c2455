import { createHash } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { DEFAULT_RETRY, MAX_HISTORY_ENTRIES } from '../../domain/task.js';
import { ScriptCode } from './script-codes.js';
import { ARGS_INCLUDE, argsLua, specOfFile, type ScriptSpec } from './script-specs.js';

/** A Lua script with its includes expanded: one script read on its own (the scripts' tests). */
export interface LoadedScript {
  /** The file name without `-N.lua`, e.g. `claim`. */
  name: string;
  /** N in `verb-N.lua`: how many KEYS the script takes. */
  numberOfKeys: number;
  /** The source with every `--@include` expanded. */
  lua: string;
}

/** Where the scripts live: next to this module, in src/ and (copied by scripts/copy-assets.mjs) in dist/. */
export const SCRIPTS_DIR = fileURLToPath(new URL('./scripts/', import.meta.url));

const SCRIPT_FILE = /^([a-z][a-z-]*)-(\d+)\.lua$/;

/**
 * The include that is not a file: `--@include "snippets/script-codes.lua"` defines
 * `CODE`, the ScriptCode enum as a Lua table (`CODE.LEASE_TOO_OLD == -8`), so the scripts
 * and TypeScript share one list of result codes.
 */
export const SCRIPT_CODES_INCLUDE = 'snippets/script-codes.lua';

/**
 * `--@include "snippets/shared-defaults.lua"` defines `DEFAULT_RETRY` (initial, max,
 * multiplier) from the domain's default retry policy and `MAX_HISTORY_ENTRIES`, so Lua and
 * TypeScript share them.
 */
export const SHARED_DEFAULTS_INCLUDE = 'snippets/shared-defaults.lua';

/** The domain defaults the scripts use, as Lua. */
export function sharedDefaultsLua(): string {
  const { initialBackoffMs, maxBackoffMs, multiplier } = DEFAULT_RETRY;
  return [
    `local DEFAULT_RETRY = { initial = ${initialBackoffMs}, max = ${maxBackoffMs}, multiplier = ${multiplier} }`,
    `local MAX_HISTORY_ENTRIES = ${MAX_HISTORY_ENTRIES}`,
  ].join('\n');
}

/** ScriptCode as Lua: `local CODE = { OK = 0, NOT_FOUND = -1, ... }`. */
export function scriptCodesLua(): string {
  const entries = Object.entries(ScriptCode)
    .filter(([, value]) => typeof value === 'number')
    .map(
      ([name, value]) => `  ${name.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase()} = ${String(value)},`,
    );
  return ['local CODE = {', ...entries, '}'].join('\n');
}
const INCLUDE = /^--@include "([^"]+)"\s*$/;

/**
 * Expands `--@include "snippets/x.lua"` lines (paths relative to `dir`) in place; the
 * generated includes (`CODE`, `DEFAULT_RETRY`, and the script's own argument bindings
 * from `spec`) are written out here. Each
 * file is included at most once per script, at its first include, so snippets may
 * include what they depend on without pasting anything twice.
 */
export async function expandIncludes(
  source: string,
  dir: string,
  included: Set<string> = new Set(),
  spec?: ScriptSpec,
): Promise<string> {
  const lines = source.split('\n');
  const out: string[] = [];
  for (const line of lines) {
    const m = INCLUDE.exec(line);
    if (!m) {
      out.push(line);
      continue;
    }
    const path = m[1]!;
    if (included.has(path)) continue;
    included.add(path);
    if (path === SCRIPT_CODES_INCLUDE) {
      out.push(`-- begin ${path} (generated from ScriptCode)`, scriptCodesLua(), `-- end ${path}`);
      continue;
    }
    if (path === ARGS_INCLUDE) {
      if (!spec) throw new Error(`Lua include ${JSON.stringify(path)} needs a script with an entry in SPECS`);
      out.push(`-- begin ${path} (generated from SPECS, script-specs.ts)`, argsLua(spec), `-- end ${path}`);
      continue;
    }
    if (path === SHARED_DEFAULTS_INCLUDE) {
      out.push(`-- begin ${path} (generated from DEFAULT_RETRY)`, sharedDefaultsLua(), `-- end ${path}`);
      continue;
    }
    let text: string;
    try {
      text = await readFile(join(dir, path), 'utf8');
    } catch (err) {
      throw new Error(`Lua include ${JSON.stringify(path)} not found in ${dir}`, { cause: err });
    }
    out.push(`-- begin ${path}`, await expandIncludes(text, dir, included, spec), `-- end ${path}`);
  }
  return out.join('\n');
}

/** Reads every `verb-N.lua` in `dir` with its includes expanded. */
export async function loadScripts(dir: string = SCRIPTS_DIR): Promise<LoadedScript[]> {
  const files = (await readdir(dir)).filter((f) => SCRIPT_FILE.test(f)).sort();
  return Promise.all(
    files.map(async (file) => {
      const m = SCRIPT_FILE.exec(file)!;
      const source = await readFile(join(dir, file), 'utf8');
      const name = m[1]!;
      const lua = await expandIncludes(source, dir, new Set(), specOfFile(name));
      return { name, numberOfKeys: Number(m[2]), lua };
    }),
  );
}

/**
 * The scripts as one Redis Functions library, for `FUNCTION LOAD` (commands.ts): every
 * snippet is defined once, when the library loads, and each `verb-N.lua` becomes a
 * function whose body is the script's own code after its includes. An EVALSHA would run
 * every definition of the script (some sixty local functions and tables for a claim)
 * again at every call.
 */
export interface ScriptLibrary {
  /** `codeq_<hash>`: the hash of the code, so two versions of codeQ on one Redis keep one library each. */
  readonly name: string;
  /** The library's source, starting with its `#!lua name=` line. */
  readonly code: string;
  /**
   * The function of each script and the number of KEYS its file name gives, by its file
   * name without `-N.lua` (`enqueue-claim` → `<name>_enqueue_claim`).
   */
  readonly functions: ReadonlyMap<string, { readonly name: string; readonly numberOfKeys: number }>;
}

/** Stands for the library's name in its code until the code's hash names it. */
const LIBRARY_NAME = '__codeq_library__';

/**
 * Builds the library of every `verb-N.lua` in `dir`. The snippets' code goes first, each
 * once, at the first script that includes it; then one `redis.register_function` per
 * script, whose body binds `KEYS` and `ARGV` (upvalues of the whole library, which the
 * snippets read) and the script's named arguments (snippets/args.lua) before its code.
 */
export async function loadLibrary(dir: string = SCRIPTS_DIR): Promise<ScriptLibrary> {
  const files = (await readdir(dir)).filter((f) => SCRIPT_FILE.test(f)).sort();
  const included = new Set<string>();
  const shared: string[] = [];
  const registered: string[] = [];
  const verbs: { verb: string; suffix: string; numberOfKeys: number }[] = [];
  for (const file of files) {
    const m = SCRIPT_FILE.exec(file)!;
    const verb = m[1]!;
    const suffix = verb.replaceAll('-', '_');
    const spec = specOfFile(verb);
    const body: string[] = [];
    for (const line of (await readFile(join(dir, file), 'utf8')).split('\n')) {
      const m = INCLUDE.exec(line);
      if (m?.[1] === ARGS_INCLUDE) {
        if (!spec) throw new Error(`Lua script ${file} binds its arguments but has no entry in SPECS`);
        body.push(`-- ${ARGS_INCLUDE} (generated from SPECS, script-specs.ts)`, argsLua(spec));
      } else if (m) {
        // A snippet never binds arguments: without a spec, expandIncludes refuses args.lua.
        shared.push(await expandIncludes(line, dir, included));
      } else body.push(line);
    }
    verbs.push({ verb, suffix, numberOfKeys: Number(m[2]) });
    registered.push(
      `redis.register_function('${LIBRARY_NAME}_${suffix}', function(keys, args)`,
      'KEYS, ARGV = keys, args',
      ...body,
      'end)',
    );
  }
  const template = [
    `#!lua name=${LIBRARY_NAME}`,
    "-- codeQ's lease store: one function per verb-N.lua script, the snippets they share defined once.",
    'local KEYS, ARGV',
    ...shared,
    ...registered,
  ].join('\n');
  const name = `codeq_${createHash('sha1').update(template).digest('hex').slice(0, 16)}`;
  return {
    name,
    code: template.replaceAll(LIBRARY_NAME, name),
    functions: new Map(
      verbs.map(({ verb, suffix, numberOfKeys }) => [verb, { name: `${name}_${suffix}`, numberOfKeys }]),
    ),
  };
}
