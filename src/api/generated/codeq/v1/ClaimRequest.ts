// Original file: proto/codeq/v1/codeq.proto

import type { Duration as _google_protobuf_Duration, Duration__Output as _google_protobuf_Duration__Output } from '../../google/protobuf/Duration.js';

export interface _codeq_v1_ClaimRequest_Complete {
  'leaseId'?: (string);
  'result'?: (Buffer | Uint8Array | string);
}

export interface _codeq_v1_ClaimRequest_Complete__Output {
  'leaseId'?: (string);
  'result'?: (Buffer);
}

export interface _codeq_v1_ClaimRequest_Extend {
  'leaseId'?: (string);
  /**
   * The new deadline is now + extension, but never past the lease's max age (the time it
   * was taken plus the server's --max-lease-age); unset uses the stream's lease duration.
   */
  'extension'?: (_google_protobuf_Duration | null);
}

export interface _codeq_v1_ClaimRequest_Extend__Output {
  'leaseId'?: (string);
  /**
   * The new deadline is now + extension, but never past the lease's max age (the time it
   * was taken plus the server's --max-lease-age); unset uses the stream's lease duration.
   */
  'extension'?: (_google_protobuf_Duration__Output);
}

export interface _codeq_v1_ClaimRequest_Fail {
  'leaseId'?: (string);
  'error'?: (string);
  /**
   * Delay before the retry; unset uses the task's backoff.
   */
  'retryDelay'?: (_google_protobuf_Duration | null);
  /**
   * Make the task DEAD now, whatever attempts remain.
   */
  'permanent'?: (boolean);
}

export interface _codeq_v1_ClaimRequest_Fail__Output {
  'leaseId'?: (string);
  'error'?: (string);
  /**
   * Delay before the retry; unset uses the task's backoff.
   */
  'retryDelay'?: (_google_protobuf_Duration__Output);
  /**
   * Make the task DEAD now, whatever attempts remain.
   */
  'permanent'?: (boolean);
}

/**
 * Required in the first message of a stream and only there.
 */
export interface _codeq_v1_ClaimRequest_Open {
  /**
   * Free-form name of the worker, for logs and traces.
   */
  'workerId'?: (string);
  /**
   * Queues to receive tasks from, at least one.
   */
  'queues'?: (string)[];
  /**
   * Length of every lease on this stream, 1 s - 12 h. Default 30 s. The server gives at
   * most its max lease age; Opened.lease_duration says what it gave.
   */
  'leaseDuration'?: (_google_protobuf_Duration | null);
}

/**
 * Required in the first message of a stream and only there.
 */
export interface _codeq_v1_ClaimRequest_Open__Output {
  /**
   * Free-form name of the worker, for logs and traces.
   */
  'workerId'?: (string);
  /**
   * Queues to receive tasks from, at least one.
   */
  'queues': (string)[];
  /**
   * Length of every lease on this stream, 1 s - 12 h. Default 30 s. The server gives at
   * most its max lease age; Opened.lease_duration says what it gave.
   */
  'leaseDuration'?: (_google_protobuf_Duration__Output);
}

export interface _codeq_v1_ClaimRequest_Release {
  'leaseId'?: (string);
}

export interface _codeq_v1_ClaimRequest_Release__Output {
  'leaseId'?: (string);
}

export interface ClaimRequest {
  'open'?: (_codeq_v1_ClaimRequest_Open | null);
  /**
   * The worker may now receive this many more leases.
   */
  'credit'?: (number);
  'completes'?: (_codeq_v1_ClaimRequest_Complete)[];
  'fails'?: (_codeq_v1_ClaimRequest_Fail)[];
  'extends'?: (_codeq_v1_ClaimRequest_Extend)[];
  'releases'?: (_codeq_v1_ClaimRequest_Release)[];
}

export interface ClaimRequest__Output {
  'open'?: (_codeq_v1_ClaimRequest_Open__Output);
  /**
   * The worker may now receive this many more leases.
   */
  'credit'?: (number);
  'completes': (_codeq_v1_ClaimRequest_Complete__Output)[];
  'fails': (_codeq_v1_ClaimRequest_Fail__Output)[];
  'extends': (_codeq_v1_ClaimRequest_Extend__Output)[];
  'releases': (_codeq_v1_ClaimRequest_Release__Output)[];
}
