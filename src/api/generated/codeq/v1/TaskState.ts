// Original file: proto/codeq/v1/codeq.proto

export const TaskState = {
  TASK_STATE_UNSPECIFIED: 'TASK_STATE_UNSPECIFIED',
  /**
   * Ready to be claimed.
   */
  PENDING: 'PENDING',
  /**
   * Waiting for its delay or retry backoff to pass.
   */
  SCHEDULED: 'SCHEDULED',
  /**
   * Held by a worker under a lease.
   */
  LEASED: 'LEASED',
  COMPLETED: 'COMPLETED',
  /**
   * Failed permanently or used up its attempts; kept for inspection.
   */
  DEAD: 'DEAD',
  CANCELLED: 'CANCELLED',
} as const;

export type TaskState =
  | 'TASK_STATE_UNSPECIFIED'
  | 0
  /**
   * Ready to be claimed.
   */
  | 'PENDING'
  | 1
  /**
   * Waiting for its delay or retry backoff to pass.
   */
  | 'SCHEDULED'
  | 2
  /**
   * Held by a worker under a lease.
   */
  | 'LEASED'
  | 3
  | 'COMPLETED'
  | 4
  /**
   * Failed permanently or used up its attempts; kept for inspection.
   */
  | 'DEAD'
  | 5
  | 'CANCELLED'
  | 6

export type TaskState__Output = typeof TaskState[keyof typeof TaskState]
