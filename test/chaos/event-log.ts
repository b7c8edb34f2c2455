import { createHash } from 'node:crypto';
import { closeSync, createReadStream, openSync, readdirSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

/**
 * What the producers and workers of a chaos run saw, one JSON object a line. Times are
 * `Date.now()` of the writing process; every process of a run shares the machine's clock.
 *
 * - `enq`: an enqueue was acknowledged (the task id the server returned).
 * - `del`: a lease reached a handler (the handler started): its fencing token and attempt.
 * - `end`: the handler finished and its settle is sent from now on, never earlier:
 *   `COMPLETE` with the result it returned, or `FAIL`.
 * - `ok`: the server acknowledged the settle of the lease (the worker's `settled` event).
 * - `lost`: the server refused a settle or extension of the lease for good.
 * - `again`: after its completion was acknowledged, the lease was completed once more with
 *   another result; `code` is the server's answer (0 OK would be a violation).
 *
 * `lease` names a lease by a hash of its id: two leases of one task with the same token
 * still differ, and the id itself (a bearer secret) is never written down.
 */
export type ChaosEvent =
  | { e: 'enq'; t: number; id: string; key: string }
  | { e: 'del'; t: number; id: string; lease: string; tok: number; att: number; w: string; dl?: number }
  | { e: 'end'; t: number; id: string; lease: string; kind: 'COMPLETE' | 'FAIL'; result?: string }
  | { e: 'ok'; t: number; id: string; lease: string; kind: 'COMPLETE' | 'FAIL' | 'RELEASE' }
  | { e: 'lost'; t: number; id: string; lease: string; kind: string; code: number }
  | { e: 'again'; t: number; id: string; lease: string; result: string; code: number };

/** A lease's name in the logs: 48 bits of the SHA-256 of its id. */
export function leaseHash(leaseId: string): string {
  return createHash('sha256').update(leaseId).digest('hex').slice(0, 12);
}

/**
 * Appends events to one file with a synchronous write each, so that what a process logged
 * before it was killed (SIGKILL) is in the file: the kernel holds it, not a Node buffer.
 */
export class EventLog {
  readonly #fd: number;

  constructor(readonly path: string) {
    this.#fd = openSync(path, 'a');
  }

  write(event: ChaosEvent): void {
    writeSync(this.#fd, `${JSON.stringify(event)}\n`);
  }

  close(): void {
    closeSync(this.#fd);
  }
}

/**
 * Every event of every `*.jsonl` file in `dir`, read line by line (a long run's logs are
 * larger than one string may be). A last line cut short by a kill is skipped: the event it
 * started was never completely logged.
 */
export async function* readEvents(dir: string): AsyncGenerator<ChaosEvent> {
  for (const name of readdirSync(dir)
    .filter((n) => n.endsWith('.jsonl'))
    .sort()) {
    const lines = createInterface({ input: createReadStream(join(dir, name)), crlfDelay: Infinity });
    for await (const line of lines) {
      if (line === '') continue;
      let event: ChaosEvent;
      try {
        event = JSON.parse(line) as ChaosEvent;
      } catch {
        continue; // A torn last line of a killed process.
      }
      yield event;
    }
  }
}
