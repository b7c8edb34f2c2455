// Original file: proto/codeq/v1/codeq.proto

import type { Duration as _google_protobuf_Duration, Duration__Output as _google_protobuf_Duration__Output } from '../../google/protobuf/Duration.js';
import type { RetryPolicy as _codeq_v1_RetryPolicy, RetryPolicy__Output as _codeq_v1_RetryPolicy__Output } from '../../codeq/v1/RetryPolicy.js';

export interface EnqueueRequest {
  /**
   * 1-128 characters of [A-Za-z0-9._:-], the first alphanumeric.
   */
  'queue'?: (string);
  /**
   * Opaque task body, at most the server's payload limit (default 1 MiB).
   */
  'payload'?: (Buffer | Uint8Array | string);
  /**
   * 0-9; higher is claimed first, FIFO within one priority.
   */
  'priority'?: (number);
  /**
   * The task is not claimable before now + delay.
   */
  'delay'?: (_google_protobuf_Duration | null);
  /**
   * Deliveries before the task becomes DEAD, 1-1000. Unset means 5.
   */
  'maxAttempts'?: (number);
  'retry'?: (_codeq_v1_RetryPolicy | null);
  /**
   * Within the server's idempotency window the same key on the same queue returns
   * the first task's id with duplicate = true.
   */
  'idempotencyKey'?: (string);
  /**
   * Free-form metadata; the W3C traceparent/tracestate of the producer's span
   * travel here.
   */
  'headers'?: ({[key: string]: string});
  /**
   * 0-128 characters of [A-Za-z0-9._:-]; empty is the queue's default key. Within
   * one priority, ready tasks are claimed round-robin across fairness keys, FIFO
   * within a key; the queue's config may limit the leases of one key.
   */
  'fairnessKey'?: (string);
  '_maxAttempts'?: "maxAttempts";
}

export interface EnqueueRequest__Output {
  /**
   * 1-128 characters of [A-Za-z0-9._:-], the first alphanumeric.
   */
  'queue'?: (string);
  /**
   * Opaque task body, at most the server's payload limit (default 1 MiB).
   */
  'payload'?: (Buffer);
  /**
   * 0-9; higher is claimed first, FIFO within one priority.
   */
  'priority'?: (number);
  /**
   * The task is not claimable before now + delay.
   */
  'delay'?: (_google_protobuf_Duration__Output);
  /**
   * Deliveries before the task becomes DEAD, 1-1000. Unset means 5.
   */
  'maxAttempts'?: (number);
  'retry'?: (_codeq_v1_RetryPolicy__Output);
  /**
   * Within the server's idempotency window the same key on the same queue returns
   * the first task's id with duplicate = true.
   */
  'idempotencyKey'?: (string);
  /**
   * Free-form metadata; the W3C traceparent/tracestate of the producer's span
   * travel here.
   */
  'headers'?: ({[key: string]: string});
  /**
   * 0-128 characters of [A-Za-z0-9._:-]; empty is the queue's default key. Within
   * one priority, ready tasks are claimed round-robin across fairness keys, FIFO
   * within a key; the queue's config may limit the leases of one key.
   */
  'fairnessKey'?: (string);
  '_maxAttempts'?: "maxAttempts";
}
