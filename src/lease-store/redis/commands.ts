import { createHash } from 'node:crypto';
import { Cluster } from 'ioredis';
import type { RedisClient } from './connection.js';
import { loadScripts, type LoadedScript } from './script-loader.js';

/** An argument of a script call: ioredis sends Buffers as they are (binary-safe). */
export type ScriptArg = string | Buffer | number;

/**
 * How each script of scripts/ is called: its file (`verb-N.lua`), its KEYS and its fixed
 * ARGV by name, in the order of the script's header, and whether its reply carries binary
 * task hashes (read as Buffers). The only place that knows the positions: callers name
 * every key and argument, and pass a variable-length tail (random numbers, tasks, ops)
 * where the header says one follows.
 */
/** Argument runs several scripts share, in their headers' order. */
const PUBLISHING = ['taskPrefix', 'channel', 'instanceId', 'queue', 'now'] as const;
const ENQUEUING = [
  'taskPrefix',
  'idempotencyPrefix',
  'channel',
  'instanceId',
  'queue',
  'now',
  'idempotencyWindowMs',
  'idempotencyTtlMs',
] as const;
const RETAINING = ['finishedTtlMs', 'deadTtlMs'] as const;
const CLAIMING = ['max', 'leaseMs', 'limit'] as const;
const LEASING = ['secret', 'owners', 'ownedPrefix', 'ownerTtlMs', 'ownerGraceMs'] as const;
const QUEUE_KEYS = ['ready', 'scheduled', 'leased', 'seq', 'dead'] as const;

const SPECS = {
  enqueue: { file: 'enqueue', keys: ['ready', 'scheduled', 'seq'], args: ENQUEUING, buffer: false },
  enqueueClaim: {
    file: 'enqueue-claim',
    keys: [...QUEUE_KEYS, 'paused'],
    args: [...ENQUEUING, ...CLAIMING, ...RETAINING, ...LEASING],
    buffer: true,
  },
  claim: {
    file: 'claim',
    keys: [...QUEUE_KEYS, 'paused'],
    args: [...PUBLISHING, ...CLAIMING, ...RETAINING, ...LEASING],
    buffer: true,
  },
  settle: {
    file: 'settle',
    keys: QUEUE_KEYS,
    args: [...PUBLISHING, ...RETAINING, 'owners', 'ownedPrefix', 'ownerTtlMs'],
    buffer: false,
  },
  settleClaim: {
    file: 'settle-claim',
    keys: [...QUEUE_KEYS, 'paused'],
    args: [...PUBLISHING, ...RETAINING, ...CLAIMING, ...LEASING],
    buffer: true,
  },
  stats: {
    file: 'stats',
    keys: ['ready', 'scheduled', 'leased', 'dead'],
    args: ['taskPrefix', 'now', 'deadRetentionMs'],
    buffer: false,
  },
  abandon: { file: 'abandon', keys: ['leased'], args: ['taskPrefix', 'now', 'graceMs'], buffer: false },
  heartbeat: {
    file: 'heartbeat',
    keys: ['owners'],
    args: ['ownedPrefix', 'instanceId', 'now', 'ttlMs'],
    buffer: false,
  },
  noteDue: { file: 'note-due', keys: ['due'], args: ['queue', 'inMs', 'now', 'answer'], buffer: false },
  cancel: {
    file: 'cancel',
    keys: ['ready', 'scheduled', 'task'],
    args: ['taskId', 'now', 'finishedTtlMs', 'finishedRetentionMs', 'deadRetentionMs'],
    buffer: false,
  },
  get: { file: 'get', keys: ['task'], args: ['now', 'finishedRetentionMs', 'deadRetentionMs'], buffer: true },
  wait: {
    file: 'wait',
    keys: ['task'],
    args: ['now', 'finishedRetentionMs', 'deadRetentionMs', 'finishChannel'],
    buffer: true,
  },
  list: {
    file: 'list',
    keys: ['index'],
    args: ['taskPrefix', 'stateCode', 'ordinal', 'offset', 'limit', 'now', 'deadRetentionMs'],
    buffer: true,
  },
  redrive: {
    file: 'redrive',
    keys: ['ready', 'dead', 'seq'],
    args: [...PUBLISHING, 'deadRetentionMs', 'note', 'limit'],
    buffer: false,
  },
  purge: {
    file: 'purge',
    keys: ['ready', 'scheduled', 'leased', 'dead'],
    args: ['taskPrefix', 'limit'],
    buffer: false,
  },
  resume: {
    file: 'resume',
    keys: ['paused', 'ready'],
    args: ['channel', 'instanceId', 'queue'],
    buffer: false,
  },
} as const satisfies Record<
  string,
  { file: string; keys: readonly string[]; args: readonly string[]; buffer: boolean }
>;

type Specs = typeof SPECS;

/** A script call: keys and fixed arguments by name, then the tail its header describes. */
type ScriptCall<S extends Specs[keyof Specs], R> = (
  keys: Readonly<Record<S['keys'][number], string>>,
  args: Readonly<Record<S['args'][number], ScriptArg>>,
  tail?: readonly ScriptArg[],
) => Promise<R>;

/** The scripts of scripts/, one typed call each; replies as the headers describe them. */
export interface Scripts {
  enqueue: ScriptCall<Specs['enqueue'], (string | number)[]>;
  /** `[enqueued, claimed]`; the claimed task hashes carry binary payloads. */
  enqueueClaim: ScriptCall<Specs['enqueueClaim'], [unknown[], unknown[]]>;
  /** Task hashes carry binary payloads. */
  claim: ScriptCall<Specs['claim'], unknown[]>;
  settle: ScriptCall<Specs['settle'], (string | number)[]>;
  /** `[settled, claimed]`; the claimed task hashes carry binary payloads. */
  settleClaim: ScriptCall<Specs['settleClaim'], [unknown[], unknown[]]>;
  stats: ScriptCall<Specs['stats'], number[]>;
  abandon: ScriptCall<Specs['abandon'], number>;
  heartbeat: ScriptCall<Specs['heartbeat'], number>;
  noteDue: ScriptCall<Specs['noteDue'], number>;
  cancel: ScriptCall<Specs['cancel'], number>;
  /** The task hash, or null. */
  get: ScriptCall<Specs['get'], Buffer[] | null>;
  /** The task hash as read, or null; asks for a finish event unless finished. */
  wait: ScriptCall<Specs['wait'], Buffer[] | null>;
  /** `[nextOffset, [taskId, field, value, ...], ...]`. */
  list: ScriptCall<Specs['list'], unknown[]>;
  /** `[redriven, examined]`. */
  redrive: ScriptCall<Specs['redrive'], number[]>;
  /** `[deletedTasks, removedMembers]`. */
  purge: ScriptCall<Specs['purge'], number[]>;
  resume: ScriptCall<Specs['resume'], number>;
}

let cached: Promise<LoadedScript[]> | undefined;

/** The scripts with includes expanded, read from disk once per process. */
export function scriptSources(): Promise<LoadedScript[]> {
  cached ??= loadScripts().catch((err: unknown) => {
    cached = undefined;
    throw err;
  });
  return cached;
}

/** Loads every script into Redis (every master of a Cluster). */
async function loadAll(client: RedisClient, sources: readonly LoadedScript[]): Promise<void> {
  const nodes = client instanceof Cluster ? client.nodes('master') : [client];
  await Promise.all(nodes.flatMap((node) => sources.map((s) => node.script('LOAD', s.lua))));
}

/**
 * Binds every script to an EVALSHA call and loads it into Redis now (every master of a
 * Cluster), so a script that does not compile fails the start instead of the first
 * request. A NOSCRIPT reply (Redis restarted or flushed its script cache) loads the
 * scripts again and retries once.
 *
 * EVALSHA is sent as a plain command: ioredis `defineCommand` would send the whole
 * script text as EVAL the first time on each connection, and every time inside a pipeline.
 */
export async function defineScripts(client: RedisClient): Promise<Scripts> {
  const sources = await scriptSources();
  const byName = new Map(sources.map((s) => [s.name, s]));
  for (const { file, keys } of Object.values(SPECS)) {
    const script = byName.get(file);
    if (!script) throw new Error(`Lua script ${file}-${keys.length}.lua is missing`);
    if (script.numberOfKeys !== keys.length)
      throw new Error(`Lua script ${file} takes ${script.numberOfKeys} keys, expected ${keys.length}`);
  }
  await loadAll(client, sources);

  const bind = (spec: Specs[keyof Specs]) => {
    const script = byName.get(spec.file)!;
    const sha = createHash('sha1').update(script.lua).digest('hex');
    const commands = client as unknown as Record<
      'evalsha' | 'evalshaBuffer',
      (...args: ScriptArg[]) => Promise<unknown>
    >;
    const evalsha = (...args: ScriptArg[]): Promise<unknown> =>
      spec.buffer ? commands.evalshaBuffer(...args) : commands.evalsha(...args);
    return async (
      keys: Readonly<Record<string, string>>,
      args: Readonly<Record<string, ScriptArg>>,
      tail: readonly ScriptArg[] = [],
    ): Promise<unknown> => {
      const argv: ScriptArg[] = [sha, spec.keys.length];
      for (const name of spec.keys) argv.push(keys[name]!);
      for (const name of spec.args) argv.push(args[name]!);
      for (const value of tail) argv.push(value);
      try {
        return await evalsha(...argv);
      } catch (err) {
        if (!(err instanceof Error) || !err.message.includes('NOSCRIPT')) throw err;
        await loadAll(client, sources);
        return evalsha(...argv);
      }
    };
  };
  return Object.fromEntries(
    Object.entries(SPECS).map(([name, spec]) => [name, bind(spec)]),
  ) as unknown as Scripts;
}
