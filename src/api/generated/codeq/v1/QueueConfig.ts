// Original file: proto/codeq/v1/codeq.proto


/**
 * A queue's fair-share limits; 0 means no limit.
 */
export interface QueueConfig {
  'queue'?: (string);
  /**
   * At most this many LEASED tasks of one fairness key at once, over all
   * replicas and streams.
   */
  'maxLeasedPerKey'?: (number);
  /**
   * At most this many leases of the queue per second over all replicas, with a
   * burst of up to one second's worth.
   */
  'maxClaimsPerSecond'?: (number);
}

/**
 * A queue's fair-share limits; 0 means no limit.
 */
export interface QueueConfig__Output {
  'queue'?: (string);
  /**
   * At most this many LEASED tasks of one fairness key at once, over all
   * replicas and streams.
   */
  'maxLeasedPerKey'?: (number);
  /**
   * At most this many leases of the queue per second over all replicas, with a
   * burst of up to one second's worth.
   */
  'maxClaimsPerSecond'?: (number);
}
