// Original file: proto/codeq/v1/codeq.proto

import type { Duration as _google_protobuf_Duration, Duration__Output as _google_protobuf_Duration__Output } from '../../google/protobuf/Duration.js';
import type { Long } from '@grpc/proto-loader';

/**
 * QueueStats is a snapshot of one queue.
 */
export interface QueueStats {
  'queue'?: (string);
  /**
   * PENDING tasks.
   */
  'ready'?: (number | string | Long);
  /**
   * SCHEDULED tasks (delayed, or waiting out a retry backoff).
   */
  'scheduled'?: (number | string | Long);
  /**
   * LEASED tasks.
   */
  'leased'?: (number | string | Long);
  /**
   * DEAD tasks still within their retention.
   */
  'dead'?: (number | string | Long);
  /**
   * How long the ready task that has waited longest has waited; unset when none
   * is ready.
   */
  'oldestReadyAge'?: (_google_protobuf_Duration | null);
  /**
   * True while the queue is paused.
   */
  'paused'?: (boolean);
  /**
   * Fairness keys with ready tasks.
   */
  'readyKeys'?: (number | string | Long);
  /**
   * True while ready tasks wait for the queue's max_claims_per_second budget
   * (a different thing from paused).
   */
  'rateLimited'?: (boolean);
}

/**
 * QueueStats is a snapshot of one queue.
 */
export interface QueueStats__Output {
  'queue'?: (string);
  /**
   * PENDING tasks.
   */
  'ready'?: (number);
  /**
   * SCHEDULED tasks (delayed, or waiting out a retry backoff).
   */
  'scheduled'?: (number);
  /**
   * LEASED tasks.
   */
  'leased'?: (number);
  /**
   * DEAD tasks still within their retention.
   */
  'dead'?: (number);
  /**
   * How long the ready task that has waited longest has waited; unset when none
   * is ready.
   */
  'oldestReadyAge'?: (_google_protobuf_Duration__Output);
  /**
   * True while the queue is paused.
   */
  'paused'?: (boolean);
  /**
   * Fairness keys with ready tasks.
   */
  'readyKeys'?: (number);
  /**
   * True while ready tasks wait for the queue's max_claims_per_second budget
   * (a different thing from paused).
   */
  'rateLimited'?: (boolean);
}
