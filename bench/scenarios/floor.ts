import { summarizeEncoded } from '../core/histogram.js';
import { ChildHandle } from '../core/child-handle.js';
import type { ProcessStats } from '../core/process-stats.js';
import type { Table } from '../core/report.js';
import type { FloorMode, FloorRunArgs, FloorRunResult } from '../load/floor-client-process.js';
import { echoPython, findPython } from '../load/python-unary-producer.js';
import type { RunContext } from '../run/context.js';
import type { Scenario } from './scenario.js';

/**
 * What a floor case measures: the Node client's calls (`FloorMode`), or `py-unary`, the
 * echo's unary method called from Python's grpcio as `--producer py-unary` calls codeQ.
 */
export type FloorCaseMode = FloorMode | 'py-unary';

/** One measured case of the floor. */
export interface FloorCase {
  mode: FloorCaseMode;
  /** Calls per second offered; 0: one in flight. */
  rate: number;
  calls: number;
  callsPerS: number;
  p50Ms: number;
  p99Ms: number;
  /** CPU per call of the server side (echo server, or Redis for EVALSHA), µs. */
  serverUsPerCall: number;
  /** CPU per call of the client process, µs. */
  clientUsPerCall: number;
}

/** The echo's unary method (echo-service.ts), as the Python client names it. */
const ECHO_UNARY = '/bench.Echo/Unary';

/**
 * `floor`: what the transport alone costs on this machine, the yardstick for codeQ's own
 * figures. A grpc-js echo server (raw bytes, no protobuf) in one process, its client in
 * another, on loopback: a unary call, the same from Python's grpcio (what a grpc-js server
 * spends on a call depends on the client: `--producer py-unary` is read against this one),
 * one message each way on a bidi stream, and Redis `EVALSHA` of a script that returns its
 * argument. Each at one call in flight (round trips per second) and open-loop at `--rate`
 * (CPU per call of server and client). Without a Python that has grpcio, the Python case
 * is left out with a note saying how to install it.
 */
export const floor: Scenario = {
  name: 'floor',
  summary:
    'transport floor: grpc-js unary (Node and Python clients) and stream echo, Redis EVALSHA; CPU per call',
  defaults: { duration: 5, rate: 1_000 },
  quick: { duration: 0.5, rate: 200 },
  compares: [],
  async run(ctx) {
    const server = await ChildHandle.start({ name: 'echo-server', module: 'load/echo-server-process' });
    const client = await ChildHandle.start({ name: 'floor-client', module: 'load/floor-client-process' });
    const cases: FloorCase[] = [];
    const notes: string[] = [];
    try {
      const { address } = await server.call<{ address: string }>('start');
      await client.call('init', { address, redisUrl: ctx.redis.url });
      // In the order of the table, whatever order --calls named them in.
      const modes = CALLS.filter((mode) => ctx.options.floorCalls.includes(mode));
      for (const mode of modes) {
        if (mode === 'py-unary') {
          const missing = pythonMissing();
          if (missing) {
            notes.push(`Python client left out: ${missing}`);
            continue;
          }
        }
        for (const rate of [0, ctx.options.rate])
          cases.push(await runCase(ctx, server, client, address, mode, rate));
      }
    } finally {
      await client.stop();
      await server.stop();
    }
    for (const note of notes) ctx.progress.note(`[floor] ${note}`);
    const table = floorTable(ctx, cases);
    if (notes.length > 0) table.title += '; no Python client row: Python with grpcio is missing';
    return { tables: [table], targets: [], data: cases, charts: [] };
  },
};

/** Why the Python case cannot run here, or undefined when it can. */
function pythonMissing(): string | undefined {
  try {
    findPython();
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

async function runCase(
  ctx: RunContext,
  server: ChildHandle,
  client: ChildHandle,
  address: string,
  mode: FloorCaseMode,
  rate: number,
): Promise<FloorCase> {
  const label = `${mode} ${rate === 0 ? 'one in flight' : `${rate}/s`}`;
  ctx.progress.update(`[floor] ${label}`);
  await server.call('resetStats');
  const redisBefore = await ctx.redis.cpuMs();
  const durationMs = ctx.options.duration * 1000;
  const { payloadBytes } = ctx.options;
  const result: FloorRunResult =
    mode === 'py-unary'
      ? fromPython(await echoPython(address, ECHO_UNARY, { rate, durationMs, payloadBytes }))
      : await client.call<FloorRunResult>('run', {
          mode,
          rate,
          durationMs,
          payloadBytes,
        } satisfies FloorRunArgs);
  const serverCpuMs =
    mode === 'evalsha'
      ? (await ctx.redis.cpuMs()) - redisBefore
      : (await server.call<ProcessStats>('processStats')).cpuMs;
  ctx.progress.clear();
  const latency = summarizeEncoded([result.latency]);
  const perCall = (ms: number): number => (result.calls > 0 ? Math.round((ms * 1000) / result.calls) : 0);
  const floorCase: FloorCase = {
    mode,
    rate,
    calls: result.calls,
    callsPerS: result.elapsedMs > 0 ? Math.round((result.calls * 1000) / result.elapsedMs) : 0,
    p50Ms: latency.p50,
    p99Ms: latency.p99,
    serverUsPerCall: perCall(serverCpuMs),
    clientUsPerCall: perCall(result.cpuMs),
  };
  ctx.progress.note(`[floor] ${label}: ${floorCase.callsPerS}/s p99 ${floorCase.p99Ms} ms`);
  return floorCase;
}

/** A Python echo run as the Node client reports one; a failed call fails the case. */
function fromPython(result: Awaited<ReturnType<typeof echoPython>>): FloorRunResult {
  if (result.failed > 0)
    throw new Error(`floor: ${result.failed} Python echo calls failed: ${result.firstError}`);
  return { calls: result.sent, elapsedMs: result.elapsedMs, latency: result.enqueue, cpuMs: result.cpuMs };
}

/** The calls, in the order they are measured and shown, with their names in the table. */
const CALL_NAMES: Record<FloorCaseMode, string> = {
  unary: 'grpc-js unary',
  'py-unary': 'grpc-js unary, Python client',
  stream: 'grpc-js stream msg',
  evalsha: 'Redis EVALSHA',
};
const CALLS = Object.keys(CALL_NAMES) as FloorCaseMode[];

function floorTable(ctx: RunContext, cases: readonly FloorCase[]): Table {
  return {
    title: `Transport floor (${ctx.options.payloadBytes} B payload; server CPU of EVALSHA is Redis's)`,
    columns: [
      'call',
      'in flight',
      'calls',
      'calls/s',
      'p50 ms',
      'p99 ms',
      'server µs/call',
      'client µs/call',
    ],
    rows: cases.map((c) => [
      CALL_NAMES[c.mode],
      c.rate === 0 ? 'one' : `open-loop ${c.rate}/s`,
      c.calls,
      c.callsPerS,
      c.p50Ms,
      c.p99Ms,
      c.serverUsPerCall,
      c.clientUsPerCall,
    ]),
  };
}
