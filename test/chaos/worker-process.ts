/**
 * One worker process of a chaos run: a codeQ `Worker` on every server address, logging
 * each delivery, each handler's end and each settle the server acknowledged or refused
 * (event-log.ts). The runner kills it with SIGKILL (a crashed host) or stops it with
 * SIGTERM. Usage: node worker-process.js '{"addresses": [...], "queue": "...", "log": "...", "name": "..."}'
 */
import * as grpc from '@grpc/grpc-js';
import { codeqProto } from '../../src/api/proto.js';
import { parseLeaseId } from '../../src/domain/lease-id.js';
import { TaskError, Worker, type WorkerTask } from '../../clients/index.js';
import { EventLog, leaseHash } from './event-log.js';
import type { WorkerArgs } from './processes.js';
import { taskPlan } from './task-plan.js';

const args = JSON.parse(process.argv[2] ?? '{}') as WorkerArgs;
const log = new EventLog(args.log);
/** Tasks whose completed lease this worker completes a second time, with another result. */
const settleAgain = new Set<string>();
const unary = new (codeqProto().codeq.v1.WorkerService)(
  args.addresses[0]!,
  grpc.credentials.createInsecure(),
);

/** Completes an acknowledged lease once more with another result: the server must refuse it. */
function completeAgain(taskId: string, leaseId: string): void {
  const result = `again ${taskId}`;
  unary.Complete({ leaseId, result }, { deadline: Date.now() + 5_000 }, (err) => {
    log.write({
      e: 'again',
      t: Date.now(),
      id: taskId,
      lease: leaseHash(leaseId),
      result,
      code: err?.code ?? 0,
    });
  });
}

/** Deliveries so far, printed each second with the worker's state for the runner's stall watch. */
let delivered = 0;

async function handle(task: WorkerTask): Promise<string> {
  delivered++;
  const lease = leaseHash(task.leaseId);
  const token = parseLeaseId(task.leaseId).token;
  log.write({
    e: 'del',
    t: Date.now(),
    id: task.id,
    lease,
    tok: token,
    att: task.attempt,
    w: args.name,
    dl: task.deadline.getTime(),
  });
  // A few milliseconds of work, so that leases overlap with faults.
  await new Promise((r) => setTimeout(r, 1 + Math.floor(Math.random() * 3)));
  if (taskPlan(task.payload.toString()).failsOn(task.attempt)) {
    log.write({ e: 'end', t: Date.now(), id: task.id, lease, kind: 'FAIL' });
    throw new TaskError(`planned failure of attempt ${task.attempt}`, { retryDelayMs: 100 });
  }
  const result = `done ${task.id} token ${token}`;
  if (taskPlan(task.payload.toString()).settlesAgain) settleAgain.add(task.id);
  log.write({ e: 'end', t: Date.now(), id: task.id, lease, kind: 'COMPLETE', result });
  return result;
}

const worker = new Worker({
  addresses: args.addresses,
  queues: [args.queue],
  concurrency: args.concurrency,
  handler: handle,
  workerId: args.name,
  leaseDurationMs: 10_000,
  // A frozen connection is noticed in about two seconds.
  keepaliveTimeMs: 1_000,
  keepaliveTimeoutMs: 1_000,
  reconnectInitialBackoffMs: 50,
  reconnectMaxBackoffMs: 1_000,
  shutdownGraceMs: 5_000,
  // The faults make it warn on purpose; what matters is logged as events, and the
  // warnings go to the run's log directory (fleet.ts) for when something else goes wrong.
  logger: {
    warn(message, fields) {
      process.stderr.write(
        `${new Date().toISOString()} warn ${message} ${fields ? JSON.stringify(fields) : ''}\n`,
      );
    },
  },
});
worker.on('settled', (e) => {
  if (!e.taskId) return;
  log.write({ e: 'ok', t: Date.now(), id: e.taskId, lease: leaseHash(e.leaseId), kind: e.kind });
  if (e.kind === 'COMPLETE' && settleAgain.delete(e.taskId)) completeAgain(e.taskId, e.leaseId);
});
worker.on('lease-lost', (e) => {
  if (e.taskId)
    log.write({
      e: 'lost',
      t: Date.now(),
      id: e.taskId,
      lease: leaseHash(e.leaseId),
      kind: e.kind,
      code: e.code,
    });
});
worker.on('error', (err) => process.stderr.write(`${new Date().toISOString()} error ${err.message}\n`));
worker.on('reconnect', (e) =>
  process.stderr.write(`${new Date().toISOString()} reconnect ${JSON.stringify(e)}\n`),
);
worker.on('opened', (e) => process.stderr.write(`${new Date().toISOString()} opened ${JSON.stringify(e)}\n`));

process.once('SIGTERM', () => {
  void worker.stop().finally(() => {
    log.close();
    process.exit(0);
  });
});
await worker.start();
process.stdout.write('WORKER READY\n');
setInterval(() => {
  const status = {
    del: delivered,
    running: worker.inFlight,
    prefetched: worker.prefetched,
    state: worker.state,
  };
  process.stdout.write(`WORKER STATUS ${JSON.stringify(status)}\n`);
}, 1_000).unref();
