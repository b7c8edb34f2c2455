import { summarizeEncoded } from '../core/histogram.js';
import { ChildHandle } from '../core/child-handle.js';
import type { ProcessStats } from '../core/process-stats.js';
import type { Table } from '../core/report.js';
import type { FloorMode, FloorRunArgs, FloorRunResult } from '../load/floor-client-process.js';
import type { RunContext } from '../run/context.js';
import type { Scenario } from './scenario.js';

/** One measured case of the floor. */
export interface FloorCase {
  mode: FloorMode;
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

const MODES: readonly FloorMode[] = ['unary', 'stream', 'evalsha'];

/**
 * `floor`: what the transport alone costs on this machine, the yardstick for codeQ's own
 * figures. A grpc-js echo server (raw bytes, no protobuf) in one process, its client in
 * another, on loopback: a unary call, one message each way on a bidi stream, and Redis
 * `EVALSHA` of a script that returns its argument. Each at one call in flight (round
 * trips per second) and open-loop at `--rate` (CPU per call of server and client).
 */
export const floor: Scenario = {
  name: 'floor',
  summary: 'transport floor: grpc-js unary and stream echo, Redis EVALSHA; round trips/s, CPU per call',
  defaults: { duration: 5, rate: 1_000 },
  quick: { duration: 0.5, rate: 200 },
  compares: [],
  async run(ctx) {
    const server = await ChildHandle.start({ name: 'echo-server', module: 'load/echo-server-process' });
    const client = await ChildHandle.start({ name: 'floor-client', module: 'load/floor-client-process' });
    const cases: FloorCase[] = [];
    try {
      const { address } = await server.call<{ address: string }>('start');
      await client.call('init', { address, redisUrl: ctx.redis.url });
      for (const mode of MODES)
        for (const rate of [0, ctx.options.rate]) cases.push(await runCase(ctx, server, client, mode, rate));
    } finally {
      await client.stop();
      await server.stop();
    }
    return { tables: [floorTable(ctx, cases)], targets: [], data: cases, charts: [] };
  },
};

async function runCase(
  ctx: RunContext,
  server: ChildHandle,
  client: ChildHandle,
  mode: FloorMode,
  rate: number,
): Promise<FloorCase> {
  const label = `${mode} ${rate === 0 ? 'one in flight' : `${rate}/s`}`;
  ctx.progress.update(`[floor] ${label}`);
  await server.call('resetStats');
  const redisBefore = await ctx.redis.cpuMs();
  const args: FloorRunArgs = {
    mode,
    rate,
    durationMs: ctx.options.duration * 1000,
    payloadBytes: ctx.options.payloadBytes,
  };
  const result = await client.call<FloorRunResult>('run', args);
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
      c.mode === 'evalsha' ? 'Redis EVALSHA' : c.mode === 'unary' ? 'grpc-js unary' : 'grpc-js stream msg',
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
