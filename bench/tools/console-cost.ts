/**
 * What the web console's always-on figures cost on the claim path, per task: the claim-
 * path tracer's calls as the dispatcher and a claim stream make them (dispatch, store
 * claim, one message of `batch` leases, serialize, write) with a ClaimLatency and no
 * tracer provider, against the same calls skipped (the server's `tracer` undefined, as
 * with --no-console and tracing off). Single-threaded CPU time; run it on a quiet machine
 * or read it as an upper bound.
 *
 *   npm run build && node dist/bench/tools/console-cost.js [batch sizes, default 1,8,64]
 */
import { ClaimLatency } from '../../src/telemetry/claim-latency.js';
import { ClaimPathTracer } from '../../src/telemetry/claim-path-tracer.js';
import { nowMs } from '../../src/spans/span-helpers.js';
import { toolArgs } from './tool-args.js';

const [batchList] = toolArgs(
  'console-cost',
  [{ name: 'batch sizes', default: '1,8,64', kind: 'counts' }],
  'What the web console’s always-on figures cost on the claim path, per task and lease batch size:\n' +
    'the claim-path tracer’s calls with a ClaimLatency and no tracer provider, against none.',
);
const batches = batchList!.split(',').map(Number);
const TASKS = 2_000_000;
const leases = { leases: [] as unknown[] };
const claimed = (): Promise<typeof leases> => Promise.resolve(leases);

async function run(tracer: ClaimPathTracer | undefined, batch: number, tasks: number): Promise<number> {
  const task = { id: 'task-000000000001', queue: 'bench', attempt: 1, enqueueTime: Date.now(), headers: {} };
  const start = process.cpuUsage();
  for (let done = 0; done < tasks; done += batch) {
    // What the call sites do: every tracer call is behind `if (tracer)`.
    const dispatch = tracer?.startDispatch('bench', batch, tracer ? nowMs() : 0);
    if (dispatch) await dispatch.claim(claimed);
    else await claimed();
    const delivery = dispatch?.delivery('session', 'worker');
    for (let i = 0; i < batch; i++) delivery?.lease(task, 1, Date.now());
    delivery?.serialized(100 * batch);
    delivery?.written();
    dispatch?.end(batch);
  }
  const used = process.cpuUsage(start);
  return ((used.user + used.system) * 1000) / tasks; // ns per task
}

console.log('batch  without ns/task  with ns/task  cost ns/task');
for (const batch of batches) {
  const tracer = new ClaimPathTracer(undefined, 'redis', new ClaimLatency());
  await run(tracer, batch, TASKS / 10); // warm-up
  await run(undefined, batch, TASKS / 10);
  const without = Math.min(await run(undefined, batch, TASKS), await run(undefined, batch, TASKS));
  const withFigures = Math.min(await run(tracer, batch, TASKS), await run(tracer, batch, TASKS));
  console.log(
    `${String(batch).padStart(5)}  ${without.toFixed(0).padStart(15)}  ${withFigures.toFixed(0).padStart(12)}  ${(withFigures - without).toFixed(0).padStart(12)}`,
  );
}
