import type { Task } from '../api/generated/codeq/v1/Task.js';
import type { _codeq_v1_ClaimResponse_Lease as LeaseMessage } from '../api/generated/codeq/v1/ClaimResponse.js';
import { msToTimestamp } from '../api/time.js';
import { formatLeaseId } from '../domain/lease-id.js';
import type { Lease, TaskRecord } from '../domain/task.js';

/** A stored task as the API's Task message. */
export function taskMessage(task: TaskRecord): Task {
  const message: Task = {
    id: task.id,
    queue: task.queue,
    payload: task.payload,
    priority: task.priority,
    attempt: task.attempt,
    maxAttempts: task.maxAttempts,
    headers: task.headers,
    enqueueTime: msToTimestamp(task.enqueueTime),
    state: task.state,
    lastError: task.lastError,
    result: task.result,
    history: task.history ?? [],
    payloadTruncated: task.payloadTruncated ?? false,
    resultTruncated: task.resultTruncated ?? false,
    fairnessKey: task.fairnessKey ?? '',
  };
  if (task.dueTime !== undefined) message.dueTime = msToTimestamp(task.dueTime);
  return message;
}

/** A lease as the API's Lease message; the lease id encodes queue, task, fencing token and nonce. */
export function leaseMessage(lease: Lease): LeaseMessage {
  return {
    task: taskMessage(lease.task),
    leaseId: formatLeaseId({
      queue: lease.task.queue,
      taskId: lease.task.id,
      token: lease.token,
      nonce: lease.nonce,
    }),
    deadline: msToTimestamp(lease.deadline),
  };
}
