import type { AdminOperations } from '../server/admin-operations.js';
import type { ClaimLatency } from '../telemetry/claim-latency.js';
import type { QueueRates } from '../telemetry/queue-rates.js';
import { SPAN, storeSpanNames } from '../spans/semconv.js';
import type { ClaimStage } from '../telemetry/stage-histograms.js';

/** What the console's pages read: the operator's operations and this replica's figures. */
export interface ConsoleContext {
  readonly admin: AdminOperations;
  readonly latency: ClaimLatency;
  readonly rates: QueueRates;
  /** Which replica's latency and rate figures the pages show (host and pid). */
  readonly replica: string;
  /** The lease store's name (`redis`, `memory`): picks the claim stage's span name. */
  readonly storeName: string;
}

/** One request as the pages see it. */
export interface PageRequest {
  /** The object the access control knows this request's principal by. */
  readonly caller: object;
  readonly url: URL;
  /** The session's CSRF token, for the forms of the page. */
  readonly csrf: string;
  /** The signed-in principal's name; undefined when auth is off. */
  readonly who: string | undefined;
}

/** The span name of each stage, as docs/design.md and the traces call it. */
export function stageName(stage: ClaimStage, storeName: string): string {
  switch (stage) {
    case 'dispatch':
      return SPAN.dispatch;
    case 'claim':
      return storeSpanNames(storeName).claim;
    case 'serialize':
      return SPAN.serialize;
    case 'write':
      return SPAN.streamWrite;
    case 'queue_wait':
      return SPAN.queueWait;
  }
}
