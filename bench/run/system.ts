import type { ServerConfig } from '../../src/config/server-config.js';
import type { BenchOptions } from '../cli/options.js';
import { CodeqServerProcess } from '../infra/codeq-server.js';
import type { BenchRedis } from '../infra/redis.js';

/** The systems the bench can drive. */
export type SystemName = 'codeq' | 'bullmq';

/**
 * One system under test on the bench's Redis: codeQ is a server process the load talks
 * to over gRPC; BullMQ has no server (its clients run its Lua scripts on Redis).
 */
export interface SystemUnderTest {
  readonly name: SystemName;
  readonly redisUrl: string;
  /** codeQ only: the server. */
  readonly server: CodeqServerProcess | undefined;
  /** codeQ only: the server address. */
  readonly address: string | undefined;
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
      ...(options.claimBatch !== undefined && { claimBatch: options.claimBatch }),
      ...(options.readAhead !== undefined && { readAhead: options.readAhead }),
      ...config,
    },
    nodeFlags: options.serverNodeFlags,
    telemetry: options.serverTelemetry,
    ...(options.profile && { profileDir: `${options.out}/profiles`, profileName: `${tag}.cpuprofile` }),
  });
  return { name, redisUrl: redis.url, server, address: server.address, stop: () => server.stop() };
}

/** The systems a run covers: codeQ, then BullMQ with --compare bullmq. */
export function systemsOf(options: BenchOptions): SystemName[] {
  return options.compare === 'bullmq' ? ['codeq', 'bullmq'] : ['codeq'];
}
