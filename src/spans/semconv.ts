/**
 * Names of codeQ's spans, span attributes and metric instruments: the claim-path stages
 * of docs/design.md, with attributes from the OpenTelemetry messaging semantic conventions.
 */

/** Span names, one per stage of a task's life. */
export const SPAN = {
  /** Server: one Enqueue or EnqueueBatch call. */
  enqueue: 'codeq.enqueue',
  /** Server: the Redis round trip that stores the tasks. */
  redisEnqueue: 'codeq.redis.enqueue',
  /** Server: the same round trip on any other store (the memory store). */
  storeEnqueue: 'codeq.store.enqueue',
  /** Server: one claim round trip, from the wake-up or credit that started it to the leases dealt. */
  dispatch: 'codeq.dispatch',
  /** Server: the claim script round trip to Redis (pop and lease). */
  redisClaim: 'codeq.redis.claim',
  /** Server: the same claim on any other store (the memory store). */
  storeClaim: 'codeq.store.claim',
  /** Server: encoding one Leases message for one stream. */
  serialize: 'codeq.serialize',
  /** Server: writing it until grpc-js accepted it (its 'drain' when the stream pushed back). */
  streamWrite: 'codeq.stream.write',
  /** Server: one task's wait, from its enqueue time to its lease time, in the task's trace. */
  queueWait: 'codeq.queue_wait',
  /** Server: the settles of one queue gathered in one event-loop turn. */
  settleBatch: 'codeq.settle.batch',
  /** Server: the settle script round trip to Redis. */
  redisSettle: 'codeq.redis.settle',
  /** Server: the same settle on any other store (the memory store). */
  storeSettle: 'codeq.store.settle',
  /** Worker client: the handler running one task. */
  process: 'codeq.process',
  /** Worker client: from the handler's end to the server's acknowledgement of its settle. */
  settle: 'codeq.settle',
} as const;

/** The names of the store round-trip spans of one store. */
export interface StoreSpanNames {
  enqueue: string;
  claim: string;
  settle: string;
}

/**
 * The store spans of the store named `store` (`redis`, `memory`, ...): `codeq.redis.*` on
 * Redis, the store-neutral `codeq.store.*` on any other, so that a memory-store trace
 * never reads as Redis time. Their `codeq.store` attribute names the store either way.
 */
export function storeSpanNames(store: string): StoreSpanNames {
  return store === 'redis'
    ? { enqueue: SPAN.redisEnqueue, claim: SPAN.redisClaim, settle: SPAN.redisSettle }
    : { enqueue: SPAN.storeEnqueue, claim: SPAN.storeClaim, settle: SPAN.storeSettle };
}

/**
 * How a queue wait shorter than its clock can tell reads, in every waterfall: a
 * `codeq.queue_wait` runs from the task's enqueue time to its lease time, both whole
 * milliseconds on the store's clock, so a wait under 1 ms is `< 1 ms`, not a measured 0.
 * Undefined for a longer wait, which reads as any duration does.
 */
export function queueWaitBelowClock(ms: number): string | undefined {
  return ms < 1 ? '< 1 ms' : undefined;
}

/** Span attribute keys. */
export const ATTR = {
  messagingSystem: 'messaging.system',
  destination: 'messaging.destination.name',
  messageId: 'messaging.message.id',
  operationType: 'messaging.operation.type',
  operationName: 'messaging.operation.name',
  batchCount: 'messaging.batch.message_count',
  bodySize: 'messaging.message.body.size',
  consumerGroup: 'messaging.consumer.group.name',
  attempt: 'codeq.attempt',
  /** The lease as `<task id>/<fencing token>` (domain/lease-id.ts `leaseReference`): never the lease id, whose nonce settles it. */
  leaseRef: 'codeq.lease.ref',
  sessionId: 'codeq.session.id',
  workerId: 'codeq.worker.id',
  store: 'codeq.store',
  settleKind: 'codeq.settle.kind',
  settleCode: 'codeq.settle.code',
  claimWanted: 'codeq.claim.wanted',
  bytes: 'codeq.message.bytes',
  backpressure: 'codeq.stream.backpressure',
  duplicate: 'codeq.duplicate',
  dead: 'codeq.dead',
} as const;

/** `messaging.system` of every codeQ span. */
export const MESSAGING_SYSTEM = 'codeq';

/**
 * Header that a tracing server adds to a delivered task: the producer's `traceparent`
 * (empty when it had none), kept while `traceparent` is set to the delivery's
 * `codeq.queue_wait` span. Its presence tells the worker the server already applied the
 * retry rule (a new trace linked to the producer's), so it parents on `traceparent` as is.
 */
export const PRODUCER_TRACEPARENT_HEADER = 'codeq-producer-traceparent';

/** Name and version under which codeQ's tracer and meter report. */
export const INSTRUMENTATION_SCOPE = 'codeq';
