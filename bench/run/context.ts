import type { BenchOptions } from '../cli/options.js';
import type { Progress } from '../core/progress.js';
import type { BenchRedis } from '../infra/redis.js';

/** What every scenario runs with. */
export interface RunContext {
  readonly options: BenchOptions;
  /** The private Redis of this bench run, shared by codeQ and BullMQ (flushed between them). */
  readonly redis: BenchRedis;
  readonly progress: Progress;
}
