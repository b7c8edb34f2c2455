import { isIP } from 'node:net';
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
  const follow = new SwitchFollower(clients);
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
      follow.announced(newHost, newPort);
    });
    watcher.subscribe(SWITCH_CHANNEL).catch(() => undefined);
    return watcher;
  });
  return () => {
    follow.stop();
    for (const watcher of watchers) watcher.disconnect();
  };
}

/** Reconnects a client at most this often per announced switch, in case it lands wrong again. */
const RETRIES_PER_SWITCH = 3;

/**
 * Moves the clients to the primary a Sentinel announced. A ready client connected
 * elsewhere reconnects at once. A client that was connecting meanwhile asked the
 * Sentinels before the switch and may land on the old primary: when it is ready there,
 * it reconnects too, a few times at most. That check needs the announced address to be an
 * IP literal, as the socket reports one (a Sentinel that announces hostnames is followed
 * at the announcement only). The other Sentinels' announcements of the same switch find
 * the clients reconnecting or already there.
 */
class SwitchFollower {
  readonly #clients: readonly Redis[];
  /** HOST:PORT of the last announced primary, when its host is an IP literal. */
  #primary: string | undefined;
  #retries = 0;
  readonly #onReady: (() => void)[];

  constructor(clients: readonly Redis[]) {
    this.#clients = clients;
    this.#onReady = clients.map((client) => {
      const check = (): void => {
        if (this.#primary === undefined || primaryAddress(client) === this.#primary) return;
        if (this.#retries >= RETRIES_PER_SWITCH * this.#clients.length) return;
        this.#retries++;
        client.disconnect(true);
      };
      client.on('ready', check);
      return check;
    });
  }

  announced(host: string, port: string): void {
    const primary = `${host}:${port}`;
    if (primary !== this.#primary) this.#retries = 0;
    this.#primary = isIP(host) ? primary : undefined;
    for (const client of this.#clients) {
      if (client.status === 'ready' && primaryAddress(client) !== primary) client.disconnect(true);
    }
  }

  stop(): void {
    this.#clients.forEach((client, i) => client.off('ready', this.#onReady[i]!));
  }
}
