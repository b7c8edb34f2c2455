import type { Task__Output } from '../src/api/generated/codeq/v1/Task.js';
import { timestampToMs } from '../src/api/time.js';

/** The fields a Task message always carries, with proto3's left-out zero values filled in. */
export interface TaskFields {
  id: string;
  queue: string;
  payload: Buffer;
  priority: number;
  /** Deliveries so far; a released lease does not count. */
  attempt: number;
  maxAttempts: number;
  headers: Record<string, string>;
  enqueueTime: Date;
}

/** Reads the common fields of a Task message. Proto3 leaves zero values out, hence the defaults. */
export function taskFields(task: Partial<Task__Output>): TaskFields {
  return {
    id: task.id ?? '',
    queue: task.queue ?? '',
    payload: task.payload ?? Buffer.alloc(0),
    priority: task.priority ?? 0,
    attempt: task.attempt ?? 0,
    maxAttempts: task.maxAttempts ?? 0,
    headers: task.headers ?? {},
    enqueueTime: new Date(timestampToMs(task.enqueueTime) ?? 0),
  };
}
