/**
 * How each script of scripts/ is called: its file (`verb-N.lua`), its KEYS and its fixed
 * ARGV by name, and whether its reply carries binary task hashes (read as Buffers). The
 * one place that knows the positions: commands.ts sends keys and arguments in this order,
 * and `--@include "snippets/args.lua"` binds them by name in the script (`argsLua`), so
 * neither callers nor scripts write a position. A variable-length tail (a random seed,
 * tasks, ops) follows the named arguments where the script's header describes one; the
 * script finds it at `TAIL`.
 */
export interface ScriptSpec {
  /** The script's file name without `-N.lua`. */
  readonly file: string;
  /** KEYS by name, in order; the script reads them as `K.<name>`. */
  readonly keys: readonly string[];
  /** The fixed ARGV by name, in order; the script reads them as `A.<name>` (strings). */
  readonly args: readonly string[];
  /** Whether the reply is read as Buffers (binary task hashes). */
  readonly buffer: boolean;
}

/** Argument runs several scripts share. */
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
  'finishedRetentionMs',
  'deadRetentionMs',
] as const;
const RETAINING = ['finishedTtlMs', 'deadTtlMs'] as const;
const CLAIMING = ['max', 'leaseMs', 'limit', 'notAfter'] as const;
const LEASING = ['secret', 'owners', 'ownedPrefix', 'ownerTtlMs', 'ownerGraceMs'] as const;
const QUEUE_KEYS = ['ready', 'scheduled', 'leased', 'seq', 'dead'] as const;

/** Every script's call, by the name commands.ts gives its typed wrapper. */
export const SPECS = {
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
  get: {
    file: 'get',
    keys: ['task', 'scheduled'],
    args: ['taskId', 'now', 'finishedRetentionMs', 'deadRetentionMs'],
    buffer: true,
  },
  wait: {
    file: 'wait',
    keys: ['task'],
    args: ['now', 'finishedRetentionMs', 'deadRetentionMs', 'finishChannel'],
    buffer: true,
  },
  list: {
    file: 'list',
    keys: ['index'],
    args: [
      'taskPrefix',
      'stateCode',
      'ordinal',
      'afterScore',
      'afterMember',
      'limit',
      'now',
      'deadRetentionMs',
      'previewBytes',
      'pageBytes',
    ],
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
  configure: {
    file: 'configure',
    keys: ['config'],
    args: ['taskPrefix', 'channel', 'instanceId', 'queue', 'maxLeasedPerKey', 'maxClaimsPerSecond'],
    buffer: false,
  },
  resume: {
    file: 'resume',
    keys: ['paused', 'ready'],
    args: ['channel', 'instanceId', 'queue'],
    buffer: false,
  },
  charge: { file: 'charge', keys: ['bucket'], args: ['now', 'perSecond', 'burst'], buffer: false },
  forget: {
    file: 'forget',
    keys: ['ready', 'scheduled', 'leased', 'dead', 'paused', 'seq'],
    args: ['fairPrefix'],
    buffer: false,
  },
} as const satisfies Record<string, ScriptSpec>;

/** The spec of the script in `verb-N.lua` named `file` (`verb`), if it has one. */
export function specOfFile(file: string): ScriptSpec | undefined {
  return Object.values(SPECS).find((s: ScriptSpec) => s.file === file);
}

/**
 * `--@include "snippets/args.lua"`: a script's KEYS and fixed ARGV bound by name from its
 * spec, the only Lua that indexes them by number:
 * `local K = { ready = KEYS[1], ... }`, `local A = { taskPrefix = ARGV[1], ... }` (values
 * as Redis passes them: strings) and `local TAIL = n`, the index of the first argument
 * after the named ones.
 */
export const ARGS_INCLUDE = 'snippets/args.lua';

/** The bindings `ARGS_INCLUDE` expands to for one script. */
export function argsLua(spec: ScriptSpec): string {
  const table = (name: string, source: string, names: readonly string[]) => {
    const seen = new Set<string>();
    const entries = names.map((n, i) => {
      if (!/^[A-Za-z_]\w*$/.test(n))
        throw new Error(`${spec.file}: ${source} name ${JSON.stringify(n)} is not a Lua name`);
      if (seen.has(n)) throw new Error(`${spec.file}: ${source} name ${n} appears twice`);
      seen.add(n);
      return `  ${n} = ${source}[${i + 1}],`;
    });
    return [`local ${name} = {`, ...entries, '}'].join('\n');
  };
  return [
    table('K', 'KEYS', spec.keys),
    table('A', 'ARGV', spec.args),
    `local TAIL = ${spec.args.length + 1}`,
  ].join('\n');
}
