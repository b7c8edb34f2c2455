import { defineConfig } from 'vitest/config';

/**
 * The fault-injection suite (`npm run test:faults`): real `codeq serve` processes and real
 * redis-servers, killed, frozen and fed garbage. Slower than `npm test`, so kept apart.
 * Files one at a time: they kill processes and measure memory, and must not compete.
 */
export default defineConfig({
  test: {
    // *.pending.ts: faults that codeQ does not survive yet (RELIABILITY.md, "Known gaps"),
    // kept so the fix has its test ready; CODEQ_FAULTS_PENDING=1 runs them instead.
    include: [process.env.CODEQ_FAULTS_PENDING ? 'test/faults/**/*.pending.ts' : 'test/faults/**/*.test.ts'],
    globalSetup: ['test/setup/redis-global.ts'],
    fileParallelism: false,
    testTimeout: 90_000,
    hookTimeout: 30_000,
    expect: { poll: { timeout: 10_000 } },
  },
});
