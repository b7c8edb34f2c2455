import { afterEach, beforeEach, vi } from 'vitest';
import { Dispatcher, type DispatcherOptions } from '../../src/dispatcher/dispatcher.js';
import { MemoryStore } from '../../src/lease-store/memory/memory-store.js';

/** A memory store on a fake clock, and the dispatcher a test starts on it. */
export interface DispatcherFixture {
  readonly store: MemoryStore;
  /** Starts a dispatcher on the store (stopping one started before); stopped after the test. */
  start(options?: DispatcherOptions): Dispatcher;
}

/**
 * Registers the set-up dispatcher tests share: fake timers from a fixed instant, a fresh
 * memory store on that clock with fixed jitter, and the store and dispatcher closed after
 * each test.
 */
export function useDispatcherFixture(): DispatcherFixture {
  let store: MemoryStore | undefined;
  let dispatcher: Dispatcher | undefined;
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_000_000 });
    store = new MemoryStore({ clock: () => Date.now(), random: () => 0.5 });
  });
  afterEach(async () => {
    dispatcher?.stop();
    dispatcher = undefined;
    await store?.close();
    vi.useRealTimers();
  });
  return {
    get store(): MemoryStore {
      if (!store) throw new Error('useDispatcherFixture: the store exists inside a test only');
      return store;
    },
    start(options?: DispatcherOptions): Dispatcher {
      dispatcher?.stop();
      dispatcher = new Dispatcher(this.store, options);
      return dispatcher;
    },
  };
}
