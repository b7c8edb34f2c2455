import type { TestProject } from 'vitest/node';
import { startRedisServer } from '../../support/redis-server.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** URL of the redis-server this test run started for itself. */
    redisUrl: string;
  }
}

/**
 * Starts one private redis-server for the whole run. Tests share it but each uses keys
 * under a prefix of its own; none touches a Redis it did not start.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const redis = await startRedisServer();
  project.provide('redisUrl', redis.url);
  return () => redis.stop();
}
