import { LIST_PREVIEW_BYTES, type TaskRecord } from '../domain/task.js';

/**
 * A task as a listing shows it: payload and result cut to LIST_PREVIEW_BYTES and flagged
 * when cut, everything else as stored. Both stores pass every listed task through it.
 */
export function listPreview<T extends TaskRecord>(task: T): T {
  const out = { ...task };
  if (task.payload.length > LIST_PREVIEW_BYTES) {
    out.payload = task.payload.subarray(0, LIST_PREVIEW_BYTES);
    out.payloadTruncated = true;
  }
  if (task.result.length > LIST_PREVIEW_BYTES) {
    out.result = task.result.subarray(0, LIST_PREVIEW_BYTES);
    out.resultTruncated = true;
  }
  return out;
}

/**
 * The bytes of task data a listing page counts against LIST_PAGE_BYTES for one task: its
 * full payload and result, headers, last error and history.
 */
export function listedBytes(task: TaskRecord): number {
  let bytes = task.payload.length + task.result.length + Buffer.byteLength(task.lastError);
  for (const key in task.headers) bytes += Buffer.byteLength(key) + Buffer.byteLength(task.headers[key]!);
  for (const note of task.history ?? []) bytes += Buffer.byteLength(note);
  return bytes;
}
