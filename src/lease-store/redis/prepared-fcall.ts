import { Command } from 'ioredis';

/** An argument as the prepared call writes it; numbers arrive as strings (ioredis's `toArg`). */
type Arg = string | Buffer;

const CRLF_LENGTH = 2;
const COMMAND = '$5\r\nfcall\r\n';

const byteLength = (value: Arg): number =>
  typeof value === 'string' ? Buffer.byteLength(value) : value.length;

/** Decimal digits of a length. */
function digits(n: number): number {
  let count = 1;
  while (n >= 10) {
    n = Math.floor(n / 10);
    count++;
  }
  return count;
}

/** Bytes of `$<n>\r\n<value>\r\n`. */
const bulkLength = (value: Arg): number => {
  const n = byteLength(value);
  return 1 + digits(n) + CRLF_LENGTH + n + CRLF_LENGTH;
};

/**
 * Writes `value` as a RESP bulk string at `pos`; returns the position after it. The
 * length prefix is written digit by digit: no string is made for it.
 */
function writeBulk(out: Buffer, pos: number, value: Arg): number {
  const n = byteLength(value);
  out[pos] = 36; // '$'
  const width = digits(n);
  for (let rest = n, at = pos + width; at > pos; at--) {
    out[at] = 48 + (rest % 10);
    rest = Math.floor(rest / 10);
  }
  pos += 1 + width;
  out[pos++] = 13;
  out[pos++] = 10;
  pos += typeof value === 'string' ? out.write(value, pos, 'utf8') : value.copy(out, pos);
  out[pos++] = 13;
  out[pos++] = 10;
  return pos;
}

/**
 * The head of a script call (function, key count, keys, named arguments) in RESP, encoded once
 * when the call is prepared: each call copies these bytes instead of building the text of
 * some twenty arguments again. A few named arguments may vary per call (`indexOf`).
 */
export class EncodedHead {
  /** The head's arguments, as ioredis keeps them on a command (a Cluster reads the keys there). */
  readonly args: readonly Arg[];
  readonly bytes: Buffer;
  /** Where each argument's bulk string starts in `bytes`, and its end last. */
  readonly #offsets: number[];
  readonly #positions: ReadonlyMap<string, number>;

  /** `positions`: a named argument's index in `args`, for the ones a call may vary. */
  constructor(args: readonly Arg[], positions: ReadonlyMap<string, number>) {
    this.args = args;
    this.#positions = positions;
    this.#offsets = [0];
    let size = 0;
    for (const arg of args) this.#offsets.push((size += bulkLength(arg)));
    this.bytes = Buffer.alloc(size);
    let pos = 0;
    for (const arg of args) pos = writeBulk(this.bytes, pos, arg);
  }

  /** The index in `args` of named argument `name`. */
  indexOf(name: string): number {
    const at = this.#positions.get(name);
    if (at === undefined) throw new Error(`no named argument ${name} in this script call`);
    return at;
  }

  /** Byte offset of argument `i` (of the end when `i` is the count). */
  offset(i: number): number {
    return this.#offsets[i]!;
  }
}

/** Entries of a TimeoutWatch dropped from its front at once, at most, before it compacts. */
const COMPACT_AFTER = 1024;

/**
 * The command timeouts of prepared calls with one timer per timeout length, instead of one
 * timer set and cleared per command (ioredis's `commandTimeout`). Commands are watched in
 * the order they were sent, so their deadlines are in order too; each new one drops the
 * answered ones at the front, and the timer fails those still unanswered at their
 * deadline, with ioredis's own error.
 */
class TimeoutWatch {
  readonly #ms: number;
  #commands: Command[] = [];
  #deadlines: number[] = [];
  #front = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(ms: number) {
    this.#ms = ms;
  }

  add(command: Command): void {
    this.#dropAnswered();
    this.#commands.push(command);
    this.#deadlines.push(Date.now() + this.#ms);
    if (!this.#timer) this.#arm();
  }

  #dropAnswered(): void {
    while (this.#front < this.#commands.length && this.#commands[this.#front]!.isSettled) this.#front++;
    if (this.#front === this.#commands.length) {
      this.#commands = [];
      this.#deadlines = [];
      this.#front = 0;
    } else if (this.#front >= COMPACT_AFTER) {
      this.#commands = this.#commands.slice(this.#front);
      this.#deadlines = this.#deadlines.slice(this.#front);
      this.#front = 0;
    }
  }

  #arm(): void {
    const deadline = this.#deadlines[this.#front];
    if (deadline === undefined) return;
    this.#timer = setTimeout(() => this.#expire(), Math.max(0, deadline - Date.now()));
    this.#timer.unref();
  }

  #expire(): void {
    this.#timer = undefined;
    const now = Date.now();
    while (this.#front < this.#commands.length && this.#deadlines[this.#front]! <= now) {
      const command = this.#commands[this.#front++]!;
      if (!command.isSettled) command.reject(new Error('Command timed out'));
    }
    this.#dropAnswered();
    this.#arm();
  }
}

/**
 * The command timeouts of one client's prepared calls (one watch per timeout length). Per
 * client: a connection answers in order, so an unanswered command holds back only
 * the answered ones behind it on its own connection (on a Cluster, its client's).
 */
export class CommandTimeouts {
  readonly #watches = new Map<number, TimeoutWatch>();

  add(command: Command, ms: number): void {
    let watch = this.#watches.get(ms);
    if (!watch) this.#watches.set(ms, (watch = new TimeoutWatch(ms)));
    watch.add(command);
  }
}

/**
 * FCALL of a prepared script call: ioredis sends it like any command (queues, timeouts,
 * Cluster slots, replies), and `toWritable` writes the prepared head's bytes, the varied
 * arguments and the tail into one Buffer. ioredis's own script commands override
 * `toWritable` the same way (`Script.js`).
 */
export class PreparedFcall extends Command {
  readonly #head: EncodedHead;
  /** Indexes of the head arguments this call replaced, ascending. */
  readonly #varied: readonly number[];
  /** Where the command timeout goes; none: ioredis's own timer. */
  readonly #timeouts: CommandTimeouts | undefined;

  constructor(
    head: EncodedHead,
    tail: readonly (Arg | number)[],
    vary: Readonly<Record<string, Arg | number>> | undefined,
    replyEncoding: 'utf8' | null,
    timeouts?: CommandTimeouts,
  ) {
    let args = head.args;
    const varied: number[] = [];
    if (vary) {
      const copy = head.args.slice();
      for (const name in vary) {
        const i = head.indexOf(name);
        const value = vary[name]!;
        copy[i] = typeof value === 'number' ? String(value) : value;
        varied.push(i);
      }
      varied.sort((a, b) => a - b);
      args = copy;
    }
    // ioredis flattens these into a list of its own (`args.flat()`): the arrays are not changed.
    super('fcall', [args as Arg[], tail as (Arg | number)[]], { replyEncoding });
    this.#head = head;
    this.#varied = varied;
    this.#timeouts = timeouts;
  }

  /** ioredis asks for the command timeout as it sends the command: the client's watch serves it. */
  override setTimeout(ms: number): void {
    if (this.#timeouts) this.#timeouts.add(this, ms);
    else super.setTimeout(ms);
  }

  override toWritable(): Buffer {
    const args = this.args as Arg[];
    const head = this.#head;
    const count = head.args.length;
    const first = `*${args.length + 1}\r\n${COMMAND}`;
    let size = first.length + head.bytes.length;
    for (const i of this.#varied) size += bulkLength(args[i]!) - (head.offset(i + 1) - head.offset(i));
    for (let i = count; i < args.length; i++) size += bulkLength(args[i]!);
    const out = Buffer.allocUnsafe(size);
    let pos = out.write(first, 0, 'latin1');
    let from = 0;
    for (const i of this.#varied) {
      pos += head.bytes.copy(out, pos, head.offset(from), head.offset(i));
      pos = writeBulk(out, pos, args[i]!);
      from = i + 1;
    }
    pos += head.bytes.copy(out, pos, head.offset(from), head.bytes.length);
    for (let i = count; i < args.length; i++) pos = writeBulk(out, pos, args[i]!);
    return out;
  }
}
