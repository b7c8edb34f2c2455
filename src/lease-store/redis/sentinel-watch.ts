import { Redis } from 'ioredis';
import { retryStrategy, type SentinelTarget } from './connection.js';
import { primaryAddress } from './replication-wait.js';

/** The channel on which every Sentinel announces a new primary. */
const SWITCH_CHANNEL = '+switch-master';

/**
 * Follows a Sentinel failover the moment a Sentinel announces it.
 *
 * After a planned `SENTINEL FAILOVER` (or one that a partition caused) the old primary
 * stays a primary, accepting writes, until the Sentinels turn it into a replica, which
 * they do only several seconds later; that turn discards what it took meanwhile, so
 * writes acknowledged there are lost. Redis closes clients only at that turn, so a client
 * that waits for it writes to the old primary all the while. Each Sentinel publishes
 * `+switch-master <name> <old ip> <old port> <new ip> <new port>` as soon as it has named
 * the new primary; on it, every client still connected elsewhere reconnects, and its next
 * connect asks the Sentinels for the primary (commands in flight fail and answer
 * UNAVAILABLE: none is re-sent).
 *
 * One subscriber per Sentinel, so a Sentinel that is down does not hide the news; each
 * reconnects and subscribes again by itself. ioredis's own `failoverDetector` does the
 * same, but left a client closed for good after a failover in codeQ's chaos runs.
 * Returns the function that stops watching.
 */
export function watchSentinels(target: SentinelTarget, clients: readonly Redis[]): () => void {
  const watchers = target.sentinels.map(({ host, port }) => {
    const watcher = new Redis({
      host,
      port,
      ...(target.password !== undefined && { password: target.password }),
      connectionName: 'codeq-sentinel-watch',
      // The SUBSCRIBE waits for a Sentinel that is down at the start, however long.
      maxRetriesPerRequest: null,
      retryStrategy,
    });
    // A Sentinel that is down is retried; the others still tell.
    watcher.on('error', () => undefined);
    watcher.on('message', (channel: string, message: string) => {
      if (channel !== SWITCH_CHANNEL) return;
      const [name, , , newHost, newPort] = message.split(' ');
      if (name !== target.name || newHost === undefined || newPort === undefined) return;
      followSwitch(clients, `${newHost}:${newPort}`);
    });
    watcher.subscribe(SWITCH_CHANNEL).catch(() => undefined);
    return watcher;
  });
  return () => {
    for (const watcher of watchers) watcher.disconnect();
  };
}

/**
 * Reconnects each ready client not connected to `primary` (HOST:PORT as the Sentinels name
 * it). A client already reconnecting asks the Sentinels anyway; the other Sentinels'
 * announcements of the same switch find the clients reconnecting or already there.
 */
export function followSwitch(clients: readonly Redis[], primary: string): void {
  for (const client of clients) {
    if (client.status === 'ready' && primaryAddress(client) !== primary) client.disconnect(true);
  }
}
