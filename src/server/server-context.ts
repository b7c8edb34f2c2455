import type { ServerConfig } from '../config/server-config.js';
import type { Dispatcher } from '../dispatcher/dispatcher.js';
import type { StoreCalls } from '../dispatcher/store-calls.js';
import type { LeaseStore } from '../lease-store/lease-store.js';
import type { ClaimPathTracer } from '../telemetry/claim-path-tracer.js';
import type { CodeqMetrics } from '../telemetry/codeq-metrics.js';
import type { Logger } from '../telemetry/logger.js';
import type { ClaimResponse } from '../api/generated/codeq/v1/ClaimResponse.js';
import type { AccessControl } from './auth/access-control.js';
import type { ServerLimits } from './server-limits.js';

/** What the RPC handlers of one server share. */
export interface ServerContext {
  readonly config: ServerConfig;
  readonly store: LeaseStore;
  readonly dispatcher: Dispatcher;
  /** Settles leases, gathered per queue and event-loop turn (the dispatcher's `calls`). */
  readonly settler: Pick<StoreCalls, 'settle'>;
  /** Stores enqueues, gathered per queue and event-loop turn (the dispatcher's `calls`). */
  readonly enqueuer: Pick<StoreCalls, 'enqueue'>;
  readonly logger: Logger;
  /**
   * The claim-path spans and the console's claim timings; undefined when both are off, so
   * call sites skip all of it. `tracer.spans` is false when only the timings are kept.
   */
  readonly tracer: ClaimPathTracer | undefined;
  readonly metrics: CodeqMetrics;
  /** Who may do what: checked by every handler; lets everything through when auth is off. */
  readonly access: AccessControl;
  /** Per-server caps on open streams and held waits (server-limits.ts). */
  readonly limits: ServerLimits;
  /**
   * Encodes a ClaimResponse with the Claim method's own serializer. A stream may write the
   * Buffer it returns: the service passes Buffers through, so leases are encoded once,
   * and the encoding is timed apart from the write.
   */
  encodeClaimResponse(message: ClaimResponse): Buffer;
  isDraining(): boolean;
}
