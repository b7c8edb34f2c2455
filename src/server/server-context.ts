import type { ServerConfig } from '../config/server-config.js';
import type { Dispatcher } from '../dispatcher/dispatcher.js';
import type { LeaseStore } from '../lease-store/lease-store.js';
import type { Logger } from '../telemetry/logger.js';
import type { SettleBatcher } from './settle-batcher.js';

/** What the RPC handlers of one server share. */
export interface ServerContext {
  readonly config: ServerConfig;
  readonly store: LeaseStore;
  readonly dispatcher: Dispatcher;
  readonly settler: SettleBatcher;
  readonly logger: Logger;
  isDraining(): boolean;
}
