import { createHash } from 'node:crypto';
import { Cluster } from 'ioredis';
import type { RedisClient } from './connection.js';
import { CommandTimeouts, EncodedHead, PreparedEvalsha } from './prepared-evalsha.js';
import { loadScripts, type LoadedScript } from './script-loader.js';
import { SPECS } from './script-specs.js';

/** An argument of a script call: ioredis sends Buffers as they are (binary-safe). */
export type ScriptArg = string | Buffer | number;

type Specs = typeof SPECS;

/** A script call: keys and fixed arguments by name (script-specs.ts), then the tail its header describes. */
type ScriptCall<S extends Specs[keyof Specs], R> = ((
  keys: Readonly<Record<S['keys'][number], string>>,
  args: Readonly<Record<S['args'][number], ScriptArg>>,
  tail?: readonly ScriptArg[],
) => Promise<R>) & {
  /**
   * The same call with its keys and named arguments laid out once: what each call then
   * builds is its tail alone. For callers whose keys and arguments repeat call after call
   * (one queue's enqueues).
   */
  prepare(
    keys: Readonly<Record<S['keys'][number], string>>,
    args: Readonly<Record<S['args'][number], ScriptArg>>,
  ): PreparedCall<R, S['args'][number]>;
};

/**
 * A script call with its keys and named arguments fixed (`prepare`): it takes the tail,
 * and the few named arguments that change from call to call (a claim's count, a fresh
 * secret), which replace the prepared ones in a copy.
 */
export type PreparedCall<R, A extends string = string> = (
  tail: readonly ScriptArg[],
  vary?: Readonly<Partial<Record<A, ScriptArg>>>,
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
  /** Parked lines that rejoined the ring. */
  configure: ScriptCall<Specs['configure'], number>;
  /** One answer per count: 0 taken, > 0 ms until it fits, -1 never (over the burst). */
  charge: ScriptCall<Specs['charge'], number[]>;
  /** 1 when the empty queue's keys were deleted, 0 when it is in use. */
  forget: ScriptCall<Specs['forget'], number>;
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
  const timeouts = new CommandTimeouts();

  const bind = (spec: Specs[keyof Specs]) => {
    const script = byName.get(spec.file)!;
    const sha = createHash('sha1').update(script.lua).digest('hex');
    const commands = client as unknown as Record<
      'evalsha' | 'evalshaBuffer',
      (head: readonly ScriptArg[], tail: readonly ScriptArg[]) => Promise<unknown>
    >;
    // ioredis flattens one level of array arguments: the head and the tail go as they are,
    // without being copied into one argument list first.
    const evalsha = spec.buffer
      ? (head: readonly ScriptArg[], tail: readonly ScriptArg[]) => commands.evalshaBuffer(head, tail)
      : (head: readonly ScriptArg[], tail: readonly ScriptArg[]) => commands.evalsha(head, tail);
    const retry = (head: readonly ScriptArg[], tail: readonly ScriptArg[]) => (err: unknown) => {
      if (!(err instanceof Error) || !err.message.includes('NOSCRIPT')) throw err;
      return loadAll(client, sources).then(() => evalsha(head, tail));
    };
    const send = (head: readonly ScriptArg[], tail: readonly ScriptArg[]): Promise<unknown> =>
      evalsha(head, tail).catch(retry(head, tail));
    /** The sha, the key count, the keys and the named arguments; numbers as Redis gets them. */
    const headOf = (keys: Readonly<Record<string, string>>, args: Readonly<Record<string, ScriptArg>>) => {
      const head: ScriptArg[] = [sha, String(spec.keys.length)];
      for (const name of spec.keys) head.push(keys[name]!);
      for (const name of spec.args) {
        const value = args[name]!;
        head.push(typeof value === 'number' ? String(value) : value);
      }
      return head;
    };
    const call = (
      keys: Readonly<Record<string, string>>,
      args: Readonly<Record<string, ScriptArg>>,
      tail: readonly ScriptArg[] = [],
    ): Promise<unknown> => send(headOf(keys, args), tail);
    /** Where each named argument sits in the head. */
    const positions = new Map<string, number>(spec.args.map((name, i) => [name, 2 + spec.keys.length + i]));
    const replyEncoding = spec.buffer ? null : 'utf8';
    const sendPrepared = (
      head: EncodedHead,
      tail: readonly ScriptArg[],
      vary: Readonly<Record<string, ScriptArg>> | undefined,
    ): Promise<unknown> => {
      const command = new PreparedEvalsha(head, tail, vary, replyEncoding, timeouts);
      void client.sendCommand(command);
      return command.promise;
    };
    call.prepare = (keys: Readonly<Record<string, string>>, args: Readonly<Record<string, ScriptArg>>) => {
      const head = new EncodedHead(headOf(keys, args) as (string | Buffer)[], positions);
      return (tail: readonly ScriptArg[], vary?: Readonly<Record<string, ScriptArg>>): Promise<unknown> =>
        sendPrepared(head, tail, vary).catch((err: unknown) => {
          if (!(err instanceof Error) || !err.message.includes('NOSCRIPT')) throw err;
          return loadAll(client, sources).then(() => sendPrepared(head, tail, vary));
        });
    };
    return call;
  };
  return Object.fromEntries(
    Object.entries(SPECS).map(([name, spec]) => [name, bind(spec)]),
  ) as unknown as Scripts;
}
