import { createHash } from 'node:crypto';
import { Cluster } from 'ioredis';
import type { RedisClient } from './connection.js';
import { loadScripts, type LoadedScript } from './script-loader.js';

/** An argument of a script call: ioredis sends Buffers as they are (binary-safe). */
export type ScriptArg = string | Buffer | number;

/** The scripts of scripts/, one typed call each (keys first, then ARGV, as in the headers). */
export interface Scripts {
  enqueue(keys: readonly [string, string, string], args: readonly ScriptArg[]): Promise<(string | number)[]>;
  /** Buffer reply: `[enqueued, claimed]`, the claimed task hashes carry binary payloads. */
  enqueueClaim(
    keys: readonly [string, string, string, string, string, string],
    args: readonly ScriptArg[],
  ): Promise<[unknown[], unknown[]]>;
  /** Buffer reply: task hashes carry binary payloads. */
  claim(
    keys: readonly [string, string, string, string, string, string],
    args: readonly ScriptArg[],
  ): Promise<unknown[]>;
  settle(
    keys: readonly [string, string, string, string, string],
    args: readonly ScriptArg[],
  ): Promise<(string | number)[]>;
  /** Buffer reply: `[settled, claimed]`, the claimed task hashes carry binary payloads. */
  settleClaim(
    keys: readonly [string, string, string, string, string, string],
    args: readonly ScriptArg[],
  ): Promise<[unknown[], unknown[]]>;
  stats(keys: readonly [string, string, string, string], args: readonly ScriptArg[]): Promise<number[]>;
  abandon(keys: readonly [string], args: readonly ScriptArg[]): Promise<number>;
  heartbeat(keys: readonly [string], args: readonly ScriptArg[]): Promise<number>;
  noteDue(keys: readonly [string], args: readonly ScriptArg[]): Promise<number>;
  cancel(keys: readonly [string, string, string], args: readonly ScriptArg[]): Promise<number>;
  /** Buffer reply: the task hash, or null. */
  get(keys: readonly [string], args: readonly ScriptArg[]): Promise<Buffer[] | null>;
  /** Buffer reply: the task hash as read, or null; asks for a finish event unless finished. */
  wait(keys: readonly [string], args: readonly ScriptArg[]): Promise<Buffer[] | null>;
  /** Buffer reply: `[nextOffset, [taskId, field, value, ...], ...]`. */
  list(keys: readonly [string], args: readonly ScriptArg[]): Promise<unknown[]>;
  /** `[redriven, examined]`. */
  redrive(keys: readonly [string, string, string], args: readonly ScriptArg[]): Promise<number[]>;
  /** `[deletedTasks, removedMembers]`. */
  purge(keys: readonly [string, string, string, string], args: readonly ScriptArg[]): Promise<number[]>;
  resume(keys: readonly [string, string], args: readonly ScriptArg[]): Promise<number>;
}

/** Each script's file name (without `-N.lua`) and number of keys. */
const EXPECTED: Record<keyof Scripts, [string, number]> = {
  enqueue: ['enqueue', 3],
  enqueueClaim: ['enqueue-claim', 6],
  claim: ['claim', 6],
  settle: ['settle', 5],
  settleClaim: ['settle-claim', 6],
  stats: ['stats', 4],
  abandon: ['abandon', 1],
  heartbeat: ['heartbeat', 1],
  noteDue: ['note-due', 1],
  cancel: ['cancel', 3],
  get: ['get', 1],
  wait: ['wait', 1],
  list: ['list', 1],
  redrive: ['redrive', 3],
  purge: ['purge', 4],
  resume: ['resume', 2],
};

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
  for (const [name, keys] of Object.values(EXPECTED)) {
    const script = byName.get(name);
    if (!script) throw new Error(`Lua script ${name}-${keys}.lua is missing`);
    if (script.numberOfKeys !== keys)
      throw new Error(`Lua script ${name} takes ${script.numberOfKeys} keys, expected ${keys}`);
  }
  await loadAll(client, sources);

  const call = (name: string, buffer: boolean) => {
    const script = byName.get(name)!;
    const sha = createHash('sha1').update(script.lua).digest('hex');
    const commands = client as unknown as Record<
      'evalsha' | 'evalshaBuffer',
      (...args: ScriptArg[]) => Promise<unknown>
    >;
    const evalsha = (...args: ScriptArg[]): Promise<unknown> =>
      buffer ? commands.evalshaBuffer(...args) : commands.evalsha(...args);
    return async (keys: readonly string[], args: readonly ScriptArg[]): Promise<unknown> => {
      try {
        return await evalsha(sha, keys.length, ...keys, ...args);
      } catch (err) {
        if (!(err instanceof Error) || !err.message.includes('NOSCRIPT')) throw err;
        await loadAll(client, sources);
        return evalsha(sha, keys.length, ...keys, ...args);
      }
    };
  };
  return {
    enqueue: call('enqueue', false) as Scripts['enqueue'],
    enqueueClaim: call('enqueue-claim', true) as Scripts['enqueueClaim'],
    claim: call('claim', true) as Scripts['claim'],
    settle: call('settle', false) as Scripts['settle'],
    settleClaim: call('settle-claim', true) as Scripts['settleClaim'],
    abandon: call('abandon', false) as Scripts['abandon'],
    heartbeat: call('heartbeat', false) as Scripts['heartbeat'],
    noteDue: call('note-due', false) as Scripts['noteDue'],
    cancel: call('cancel', false) as Scripts['cancel'],
    get: call('get', true) as Scripts['get'],
    stats: call('stats', false) as Scripts['stats'],
    wait: call('wait', true) as Scripts['wait'],
    list: call('list', true) as Scripts['list'],
    redrive: call('redrive', false) as Scripts['redrive'],
    purge: call('purge', false) as Scripts['purge'],
    resume: call('resume', false) as Scripts['resume'],
  };
}
