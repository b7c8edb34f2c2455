import { Cluster } from 'ioredis';
import type { RedisClient } from './connection.js';
import { CommandTimeouts, EncodedHead, PreparedFcall } from './prepared-fcall.js';
import { loadLibrary, type ScriptLibrary } from './script-loader.js';
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
  /** `[more, lastScore, lastMember, [taskId, field, value, ...], ...]`. */
  list: ScriptCall<Specs['list'], unknown[]>;
  /** `[redriven, examined]`. */
  redrive: ScriptCall<Specs['redrive'], number[]>;
  /** `[deletedTasks, removedMembers]`. */
  purge: ScriptCall<Specs['purge'], number[]>;
  /** `[wasPaused, woke]`, each 1 or 0. */
  resume: ScriptCall<Specs['resume'], number[]>;
  /** Parked lines that rejoined the ring. */
  configure: ScriptCall<Specs['configure'], number>;
  /** One answer per count: 0 taken, > 0 ms until it fits, -1 never (over the burst). */
  charge: ScriptCall<Specs['charge'], number[]>;
  /** 1 when the empty queue's keys were deleted, 0 when it is in use. */
  forget: ScriptCall<Specs['forget'], number>;
}

let cached: Promise<ScriptLibrary> | undefined;

/** The scripts as one Functions library, built from disk once per process. */
export function scriptLibrary(): Promise<ScriptLibrary> {
  cached ??= loadLibrary().catch((err: unknown) => {
    cached = undefined;
    throw err;
  });
  return cached;
}

/**
 * Loads the library into Redis (every master of a Cluster; replicas get it by
 * replication). REPLACE makes a second load of the same code a no-op, and its name holds
 * the code's hash, so replicas of another codeQ version on the same Redis keep theirs.
 */
async function loadLibraryInto(client: RedisClient, library: ScriptLibrary): Promise<void> {
  const nodes = client instanceof Cluster ? client.nodes('master') : [client];
  await Promise.all(
    nodes.map((node) =>
      node.call('FUNCTION', 'LOAD', 'REPLACE', library.code).catch((err: unknown) => {
        // The reply names the command and the start of the library's code: the message alone says more.
        if (err instanceof Error && /unknown command/i.test(err.message))
          throw new Error(
            `Redis ${node.options.host ?? ''}:${String(node.options.port ?? '')} has no FUNCTION command: codeQ needs Redis 7.0 or newer`,
          );
        throw err;
      }),
    ),
  );
}

/** The reply of a call whose function Redis does not have (restarted without its data, or FUNCTION FLUSH). */
const isFunctionMissing = (err: unknown): boolean =>
  err instanceof Error && err.message.includes('Function not found');

/**
 * Binds every script to an FCALL of its function in the library and loads the library
 * into Redis now (every master of a Cluster), so a script that does not compile fails the
 * start instead of the first request. A reply that the function is missing (Redis
 * restarted without its data, or its functions were flushed) loads the library again and
 * retries once.
 */
export async function defineScripts(client: RedisClient): Promise<Scripts> {
  const library = await scriptLibrary();
  for (const { file, keys } of Object.values(SPECS)) {
    const fn = library.functions.get(file);
    if (!fn) throw new Error(`Lua script ${file}-${keys.length}.lua is missing`);
    if (fn.numberOfKeys !== keys.length)
      throw new Error(`Lua script ${file} takes ${fn.numberOfKeys} keys, expected ${keys.length}`);
  }
  await loadLibraryInto(client, library);
  /** Runs a call; when Redis lacks the function, loads the library again and runs it once more. */
  const reloadingOnce = <T>(run: () => Promise<T>): Promise<T> =>
    run().catch((err: unknown) => {
      if (!isFunctionMissing(err)) throw err;
      return loadLibraryInto(client, library).then(run);
    });
  const timeouts = new CommandTimeouts();

  const bind = (spec: Specs[keyof Specs]) => {
    const fn = library.functions.get(spec.file)!.name;
    const commands = client as unknown as Record<
      'fcall' | 'fcallBuffer',
      (head: readonly ScriptArg[], tail: readonly ScriptArg[]) => Promise<unknown>
    >;
    // ioredis flattens one level of array arguments: the head and the tail go as they are,
    // without being copied into one argument list first.
    const fcall = spec.buffer
      ? (head: readonly ScriptArg[], tail: readonly ScriptArg[]) => commands.fcallBuffer(head, tail)
      : (head: readonly ScriptArg[], tail: readonly ScriptArg[]) => commands.fcall(head, tail);
    const send = (head: readonly ScriptArg[], tail: readonly ScriptArg[]): Promise<unknown> =>
      reloadingOnce(() => fcall(head, tail));
    /** The function, the key count, the keys and the named arguments; numbers as Redis gets them. */
    const headOf = (keys: Readonly<Record<string, string>>, args: Readonly<Record<string, ScriptArg>>) => {
      const head: ScriptArg[] = [fn, String(spec.keys.length)];
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
      const command = new PreparedFcall(head, tail, vary, replyEncoding, timeouts);
      void client.sendCommand(command);
      return command.promise;
    };
    call.prepare = (keys: Readonly<Record<string, string>>, args: Readonly<Record<string, ScriptArg>>) => {
      const head = new EncodedHead(headOf(keys, args) as (string | Buffer)[], positions);
      return (tail: readonly ScriptArg[], vary?: Readonly<Record<string, ScriptArg>>): Promise<unknown> =>
        reloadingOnce(() => sendPrepared(head, tail, vary));
    };
    return call;
  };
  return Object.fromEntries(
    Object.entries(SPECS).map(([name, spec]) => [name, bind(spec)]),
  ) as unknown as Scripts;
}
