import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'clients/**/*.test.ts', 'test/**/*.test.ts', 'bench/**/*.test.ts'],
    // The fault suite has a config of its own: vitest.faults.config.ts (npm run test:faults).
    exclude: [...configDefaults.exclude, 'test/faults/**'],
    globalSetup: ['test/setup/redis-global.ts'],
    // Most files wait on servers, sockets and timers more than they compute: three at once
    // on two cores keeps the suite under its time budget (each test's bounds are generous).
    maxWorkers: 3,
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // expect.poll waits for a server or a browser to catch up; on a loaded CI machine one
    // second (the default) is not a generous bound.
    expect: { poll: { timeout: 10_000 } },
  },
});
