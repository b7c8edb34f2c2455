import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { MethodDefinition } from '@grpc/proto-loader';
import { toEnqueueRequest } from '../../clients/producer.js';
import { codeqPackageDefinition } from '../../src/api/proto.js';
import { encodeHistogram, newHistogram, recordUs } from '../core/histogram.js';
import { encodeStamp, type Stamp } from '../core/stamp.js';
import { options } from './codeq-producer.js';
import type { ProducerSpec } from './load-producer.js';
import type { ProduceArgs, ProduceResult } from './producer-process.js';
import { MixDrawer } from './task-mix.js';

const ENQUEUE = (
  codeqPackageDefinition()['codeq.v1.TaskService'] as Record<string, MethodDefinition<object, object>>
).Enqueue!;

/** The script, in the checkout's bench/load whether this module runs from bench/ or dist/bench/. */
function scriptPath(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`py-unary: no package.json above ${import.meta.url}`);
    dir = parent;
  }
  return join(dir, 'bench', 'load', 'python-unary-producer.py');
}

/** The interpreter {@link findPython} found, once found. */
let python: string | undefined;

/**
 * A Python 3 that has grpcio: `CODEQ_BENCH_PYTHON` when set, else `python3` on the PATH,
 * else Debian's `/usr/bin/python3` (where the `python3-grpcio` package installs it).
 * Looked for once per process: the warm-up and the measured phase each run the script.
 */
export function findPython(): string {
  python ??= searchPython();
  return python;
}

function searchPython(): string {
  const candidates = [process.env.CODEQ_BENCH_PYTHON, 'python3', '/usr/bin/python3'].filter(
    (c): c is string => !!c,
  );
  for (const candidate of candidates) {
    if (spawnSync(candidate, ['-c', 'import grpc'], { stdio: 'ignore' }).status === 0) return candidate;
  }
  throw new Error(
    `--producer py-unary needs Python 3 with grpcio (tried ${candidates.join(', ')}): ` +
      '`sudo apt-get install python3-grpcio` on Debian or Ubuntu, or `pip install grpcio`; ' +
      'CODEQ_BENCH_PYTHON names the interpreter to use',
  );
}

/** What the generator did, as the other producers report it, and the Python process's CPU, ms. */
export type PythonProduceResult = ProduceResult & { cpuMs: number };

interface IntervalLine {
  sent: number;
  us: number[];
}
interface DoneLine {
  done: Omit<PythonProduceResult, 'enqueue' | 'firstError'> & { firstError: string | null };
}

/**
 * `--producer py-unary`: the open-loop schedule of producer-process.ts run by
 * python-unary-producer.py, one unary Enqueue per task through Python's grpcio. Every
 * request is built here beforehand, with the Producer's own `toEnqueueRequest` and the
 * server's codec, so the server sees the bytes the other producers send; the script
 * writes the send times into each payload's stamp as it sends. `onInterval` gets each
 * second's report as the other producers emit it.
 */
export async function producePython(
  address: string,
  spec: ProducerSpec,
  args: ProduceArgs,
  onInterval: (report: { at: number; sent: number; enqueue: string }) => void,
): Promise<PythonProduceResult> {
  if (!(args.rate > 0)) throw new Error('--producer py-unary sends at a rate: give --rate');
  const drawer = new MixDrawer(args.mix, args.seed);
  const count = Math.min(args.count, Math.ceil((args.rate * args.durationMs) / 1000) + 1);
  const frames: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const stamp: Stamp = {
      sendNs: 0,
      sendWallMs: 0,
      epoch: args.epoch,
      priority: drawer.priority(),
      delayMs: drawer.delayMs(),
    };
    const key = drawer.key();
    if (key !== undefined) stamp.key = key;
    const payload = encodeStamp(stamp, spec.payloadBytes);
    const message = ENQUEUE.requestSerialize(toEnqueueRequest(spec.queue, payload, options(stamp)));
    const offset = message.indexOf(payload);
    if (offset < 0) throw new Error('py-unary: the payload is not verbatim in its EnqueueRequest');
    frames.push(...frame(message, offset));
  }
  return runPython({ address, ...args }, frames, onInterval);
}

/**
 * The floor's unary echo called from Python's grpcio, as `--producer py-unary` calls
 * codeQ: `rate` calls per second open-loop (0: one in flight) of `payloadBytes` raw bytes
 * to `method` for `durationMs`. A server's cost per call depends on its client (how it
 * frames a call, its pings and window updates), so the unary path's figure is read
 * against an echo called the same way.
 */
export function echoPython(
  address: string,
  method: string,
  args: { rate: number; durationMs: number; payloadBytes: number },
): Promise<PythonProduceResult> {
  const payload = Buffer.alloc(args.payloadBytes, 0x2e);
  return runPython(
    {
      address,
      method,
      rate: args.rate,
      durationMs: args.durationMs,
      maxInflight: args.rate > 0 ? 10_000 : 1,
      cycle: true,
    },
    frame(payload, NO_STAMP),
    () => {},
  );
}

/** The script's offset meaning "this request carries no stamp". */
const NO_STAMP = 0xffffffff;

/** One request as the script reads it: <u32 length><u32 stamp offset>, little-endian, then its bytes. */
function frame(message: Buffer, stampOffset: number): [Buffer, Buffer] {
  const header = Buffer.alloc(8);
  header.writeUInt32LE(message.length, 0);
  header.writeUInt32LE(stampOffset, 4);
  return [header, message];
}

/** Runs python-unary-producer.py with these settings and requests; its interval reports go to `onInterval`. */
async function runPython(
  settings: Record<string, unknown>,
  frames: readonly Buffer[],
  onInterval: (report: { at: number; sent: number; enqueue: string }) => void,
): Promise<PythonProduceResult> {
  const interpreter = findPython();
  const dir = mkdtempSync(join(tmpdir(), 'codeq-py-unary-'));
  try {
    writeFileSync(join(dir, 'settings.json'), JSON.stringify(settings));
    writeFileSync(join(dir, 'requests.bin'), Buffer.concat(frames));
    const child = spawn(interpreter, [scriptPath(), join(dir, 'settings.json'), join(dir, 'requests.bin')], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-4_000)));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    const enqueue = newHistogram();
    let done: DoneLine['done'] | undefined;
    try {
      for await (const text of createInterface({ input: child.stdout })) {
        const line = JSON.parse(text) as IntervalLine | DoneLine;
        if ('done' in line) {
          done = line.done;
          continue;
        }
        const interval = newHistogram();
        for (const us of line.us) {
          recordUs(enqueue, us);
          recordUs(interval, us);
        }
        onInterval({ at: Date.now(), sent: line.sent, enqueue: encodeHistogram(interval) });
      }
    } catch (err) {
      child.kill();
      throw err;
    }
    const code = await exited;
    if (code !== 0 || !done)
      throw new Error(`py-unary: ${interpreter} exited with ${String(code)}: ${stderr.trim()}`);
    return { ...done, firstError: done.firstError ?? undefined, enqueue: encodeHistogram(enqueue) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
