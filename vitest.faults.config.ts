import { defineConfig } from 'vitest/config';

/**
 * The fault-injection suite (`npm run test:faults`): real `codeq serve` processes and real
 * redis-servers, killed, frozen and fed garbage. Slower than `npm test`, so kept apart.
 * Files one at a time: they kill processes and measure memory, and must not compete.
 */
export default defineConfig({
  test: {
    include: ['test/faults/**/*.test.ts'],
    globalSetup: ['test/setup/redis-global.ts'],
    fileParallelism: false,
    testTimeout: 90_000,
    hookTimeout: 30_000,
  },
});
