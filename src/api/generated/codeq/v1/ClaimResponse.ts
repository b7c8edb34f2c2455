// Original file: proto/codeq/v1/codeq.proto

import type { Duration as _google_protobuf_Duration, Duration__Output as _google_protobuf_Duration__Output } from '../../google/protobuf/Duration.js';
import type { Task as _codeq_v1_Task, Task__Output as _codeq_v1_Task__Output } from '../../codeq/v1/Task.js';
import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../google/protobuf/Timestamp.js';

// Original file: proto/codeq/v1/codeq.proto

export const _codeq_v1_ClaimResponse_Outcome_Kind = {
  KIND_UNSPECIFIED: 'KIND_UNSPECIFIED',
  COMPLETE: 'COMPLETE',
  FAIL: 'FAIL',
  EXTEND: 'EXTEND',
  RELEASE: 'RELEASE',
} as const;

export type _codeq_v1_ClaimResponse_Outcome_Kind =
  | 'KIND_UNSPECIFIED'
  | 0
  | 'COMPLETE'
  | 1
  | 'FAIL'
  | 2
  | 'EXTEND'
  | 3
  | 'RELEASE'
  | 4

export type _codeq_v1_ClaimResponse_Outcome_Kind__Output = typeof _codeq_v1_ClaimResponse_Outcome_Kind[keyof typeof _codeq_v1_ClaimResponse_Outcome_Kind]

export interface _codeq_v1_ClaimResponse_Lease {
  'task'?: (_codeq_v1_Task | null);
  /**
   * Opaque fencing token naming exactly this lease of this task.
   */
  'leaseId'?: (string);
  'deadline'?: (_google_protobuf_Timestamp | null);
}

export interface _codeq_v1_ClaimResponse_Lease__Output {
  'task'?: (_codeq_v1_Task__Output);
  /**
   * Opaque fencing token naming exactly this lease of this task.
   */
  'leaseId'?: (string);
  'deadline'?: (_google_protobuf_Timestamp__Output);
}

export interface _codeq_v1_ClaimResponse_Opened {
  'sessionId'?: (string);
  /**
   * The length of every lease on this stream: the one asked for, at most the max lease age.
   */
  'leaseDuration'?: (_google_protobuf_Duration | null);
  /**
   * The largest result a Complete may carry, in bytes (the server's --max-payload-bytes); a
   * larger one is refused with RESOURCE_EXHAUSTED. 0 from a server that does not say.
   */
  'maxResultBytes'?: (number);
  /**
   * The most unused credit the stream keeps (the server's --max-stream-credit): a grant
   * beyond it is dropped, so a worker that grants one credit per lease it settles holds at
   * most this many leases at a time, running or waiting. A stream holding twice this many
   * leases it has not settled gets no more until it settles some. 0 from a server that
   * does not say.
   */
  'maxCredit'?: (number);
}

export interface _codeq_v1_ClaimResponse_Opened__Output {
  'sessionId'?: (string);
  /**
   * The length of every lease on this stream: the one asked for, at most the max lease age.
   */
  'leaseDuration'?: (_google_protobuf_Duration__Output);
  /**
   * The largest result a Complete may carry, in bytes (the server's --max-payload-bytes); a
   * larger one is refused with RESOURCE_EXHAUSTED. 0 from a server that does not say.
   */
  'maxResultBytes'?: (number);
  /**
   * The most unused credit the stream keeps (the server's --max-stream-credit): a grant
   * beyond it is dropped, so a worker that grants one credit per lease it settles holds at
   * most this many leases at a time, running or waiting. A stream holding twice this many
   * leases it has not settled gets no more until it settles some. 0 from a server that
   * does not say.
   */
  'maxCredit'?: (number);
}

export interface _codeq_v1_ClaimResponse_Outcome {
  'leaseId'?: (string);
  'kind'?: (_codeq_v1_ClaimResponse_Outcome_Kind);
  /**
   * A gRPC status number: 0 OK, 3 INVALID_ARGUMENT (names the field), 5 NOT_FOUND,
   * 7 PERMISSION_DENIED (no claim scope on the lease's queue), 8 RESOURCE_EXHAUSTED (the
   * result is too large; the lease still holds), 9 FAILED_PRECONDITION (the lease expired,
   * the task was re-leased or cancelled, or the lease is at its max age), 14 UNAVAILABLE
   * (not applied, e.g. Redis unreachable: send it again).
   */
  'code'?: (number);
  'message'?: (string);
  /**
   * For a successful extend: the new deadline. For an extend refused (9) because the lease
   * reached its max age: the deadline it keeps, after which the task is delivered again.
   */
  'deadline'?: (_google_protobuf_Timestamp | null);
}

export interface _codeq_v1_ClaimResponse_Outcome__Output {
  'leaseId'?: (string);
  'kind'?: (_codeq_v1_ClaimResponse_Outcome_Kind__Output);
  /**
   * A gRPC status number: 0 OK, 3 INVALID_ARGUMENT (names the field), 5 NOT_FOUND,
   * 7 PERMISSION_DENIED (no claim scope on the lease's queue), 8 RESOURCE_EXHAUSTED (the
   * result is too large; the lease still holds), 9 FAILED_PRECONDITION (the lease expired,
   * the task was re-leased or cancelled, or the lease is at its max age), 14 UNAVAILABLE
   * (not applied, e.g. Redis unreachable: send it again).
   */
  'code'?: (number);
  'message'?: (string);
  /**
   * For a successful extend: the new deadline. For an extend refused (9) because the lease
   * reached its max age: the deadline it keeps, after which the task is delivered again.
   */
  'deadline'?: (_google_protobuf_Timestamp__Output);
}

export interface ClaimResponse {
  'opened'?: (_codeq_v1_ClaimResponse_Opened | null);
  'leases'?: (_codeq_v1_ClaimResponse_Lease)[];
  'outcomes'?: (_codeq_v1_ClaimResponse_Outcome)[];
  /**
   * The server is shutting down and sends no more leases: settle in-flight work
   * on this stream, then reconnect elsewhere.
   */
  'draining'?: (boolean);
}

export interface ClaimResponse__Output {
  'opened'?: (_codeq_v1_ClaimResponse_Opened__Output);
  'leases': (_codeq_v1_ClaimResponse_Lease__Output)[];
  'outcomes': (_codeq_v1_ClaimResponse_Outcome__Output)[];
  /**
   * The server is shutting down and sends no more leases: settle in-flight work
   * on this stream, then reconnect elsewhere.
   */
  'draining'?: (boolean);
}
