import fc from 'fast-check';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { backoffMs } from '../../src/domain/backoff.js';
import { DEFAULT_RETRY } from '../../src/domain/task.js';
import { expandIncludes, SCRIPTS_DIR } from '../../src/lease-store/redis/script-loader.js';

/** The Lua backoff of the scripts, run in Redis, against the TypeScript formula. */
describe('backoff in Lua and TypeScript', () => {
  let redis: Redis;
  let lua: string;

  beforeAll(async () => {
    redis = new Redis(inject('redisUrl'), { lazyConnect: true });
    await redis.connect();
    lua = await expandIncludes(
      [
        '--@include "snippets/backoff.lua"',
        "local spec = ARGV[1] ~= '' and ARGV[1] or nil",
        'return tostring(backoffMs(spec, tonumber(ARGV[2]), tonumber(ARGV[3])))',
      ].join('\n'),
      SCRIPTS_DIR,
    );
  });
  afterAll(() => redis.disconnect());

  const luaBackoff = async (spec: string, attempt: number, r: number): Promise<number> =>
    Number(await redis.eval(lua, 0, spec, attempt, r));

  it('agree for any policy, attempt and random draw', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 100_000 }),
        fc.integer({ min: 0, max: 10_000_000 }),
        fc.constantFrom(1, 1.5, 2, 3, 10),
        fc.integer({ min: 1, max: 60 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        async (initial, max, multiplier, attempt, r) => {
          const ts = backoffMs({ initialBackoffMs: initial, maxBackoffMs: max, multiplier }, attempt, r);
          // Lua's pow and V8's may round the last bit of a fractional power differently.
          expect(
            Math.abs((await luaBackoff(`${initial},${max},${multiplier}`, attempt, r)) - ts),
          ).toBeLessThanOrEqual(1);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('use the domain default policy when the task names none', async () => {
    for (const attempt of [1, 2, 5, 30]) {
      expect(await luaBackoff('', attempt, 0.75)).toBe(backoffMs(DEFAULT_RETRY, attempt, 0.75));
    }
  });
});
