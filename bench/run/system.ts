import type { ServerConfig } from '../../src/config/server-config.js';
import type { BenchOptions, PeerName } from '../cli/options.js';
import { AMQP_URL, brokerPid, processCpuMs, rabbitQueueName, resetRabbitQueue } from '../infra/rabbitmq.js';
import { CodeqServerProcess } from '../infra/codeq-server.js';
import { pinProcess, SERVICE_CPU } from '../core/pin.js';
import type { BenchRedis } from '../infra/redis.js';

/** The systems the bench can drive. */
export type SystemName = 'codeq' | PeerName;

/**
 * One system under test on the bench's Redis: codeQ is a server process the load talks
 * to over gRPC; BullMQ has no server (its clients run its Lua scripts on Redis).
 */
export interface SystemUnderTest {
  readonly name: SystemName;
  readonly redisUrl: string;
  /** codeQ only: the server. */
  readonly server: CodeqServerProcess | undefined;
  /** codeQ: the server address; RabbitMQ: the broker's AMQP URL. */
  readonly address: string | undefined;
  /** CPU the system's own server process used so far, ms, where it is not the bench's child (RabbitMQ's broker). */
  readonly brokerCpuMs?: () => number;
  stop(): Promise<void>;
}

/** Starts `name` on an emptied Redis; `tag` names its CPU profile. */
export async function startSystem(
  name: SystemName,
  redis: BenchRedis,
  options: BenchOptions,
  tag: string,
  config: Partial<ServerConfig> = {},
): Promise<SystemUnderTest> {
  await redis.flush();
  if (options.pin) pinProcess(await redis.pid(), SERVICE_CPU);
  if (name === 'rabbitmq') {
    await resetRabbitQueue(AMQP_URL, rabbitQueueName(BENCH_QUEUE_NAME)).catch((err: unknown) => {
      throw new Error(`--compare rabbitmq: no broker at ${AMQP_URL} (${String(err)})`);
    });
    const pid = brokerPid();
    return {
      name,
      redisUrl: redis.url,
      server: undefined,
      address: AMQP_URL,
      brokerCpuMs: () => processCpuMs(pid),
      stop: () => resetRabbitQueue(AMQP_URL, rabbitQueueName(BENCH_QUEUE_NAME)),
    };
  }
  if (name === 'bullmq') {
    return {
      name,
      redisUrl: redis.url,
      server: undefined,
      address: undefined,
      stop: () => Promise.resolve(),
    };
  }
  const server = await CodeqServerProcess.start({
    redisUrl: redis.url,
    config: {
      // The default caps (1,000 streams per connection, 10,000 per server) bound what one
      // client can make a server hold; the bench opens all of a worker process's streams
      // on one connection, and as many streams as the run asks for.
      maxConcurrentStreams: Math.max(1_000, options.streams + 1_000),
      maxStreams: Math.max(10_000, 2 * options.streams + 1_000),
      ...(options.claimBatch !== undefined && { claimBatch: options.claimBatch }),
      ...(options.readAhead !== undefined && { readAhead: options.readAhead }),
      ...(options.readAheadHoldMs !== undefined && { readAheadHoldMs: options.readAheadHoldMs }),
      ...config,
    },
    nodeFlags: options.serverNodeFlags,
    telemetry: options.serverTelemetry,
    consoleFigures: options.serverConsole,
    ...(options.profile && { profileDir: `${options.out}/profiles`, profileName: `${tag}.cpuprofile` }),
  });
  if (options.pin) pinProcess(server.pid, SERVICE_CPU);
  return { name, redisUrl: redis.url, server, address: server.address, stop: () => server.stop() };
}

/** The systems a run covers: codeQ, then the peers of --compare in the order given. */
export function systemsOf(options: BenchOptions): SystemName[] {
  return ['codeq', ...options.compare];
}

/** The queue every scenario loads (RabbitMQ's is named after it). */
export const BENCH_QUEUE_NAME = 'bench';
