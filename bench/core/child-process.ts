import type { ChildMessage, CommandMessage, EventMessage, ReplyMessage } from './ipc.js';

/** A command handler of a child; its resolved value is the reply. */
export type CommandHandler = (args: never) => unknown;

/** What a child's handlers can do besides replying. */
export interface ParentLink {
  /** Pushes an event to the parent (dropped when the parent is gone). */
  emit(event: string, data: unknown): void;
}

/**
 * The child side of the bench IPC: runs `handlers` for the parent's commands, replies with
 * their results, and says `ready`. The `shutdown` command runs the handler of that name
 * (if any), replies, then exits the process, so `--cpu-prof` gets to write its profile.
 * A child whose parent vanished exits at once rather than keep loading the machine.
 */
export function serveParent(handlers: Record<string, CommandHandler>): ParentLink {
  const send = (message: ChildMessage, then?: () => void): void => {
    if (!process.connected) return;
    process.send!(message, undefined, {}, () => then?.());
  };
  process.on('disconnect', () => process.exit(1));
  process.on('message', (raw: CommandMessage) => {
    const handler = handlers[raw.cmd] as ((args: unknown) => unknown) | undefined;
    void (async () => {
      let reply: ReplyMessage;
      try {
        if (!handler && raw.cmd !== 'shutdown') throw new Error(`unknown command ${raw.cmd}`);
        reply = { id: raw.id, ok: true, result: handler ? await handler(raw.args) : null };
      } catch (err) {
        reply = {
          id: raw.id,
          ok: false,
          error: err instanceof Error ? (err.stack ?? err.message) : String(err),
        };
      }
      if (raw.cmd === 'shutdown') send(reply, () => process.exit(0));
      else send(reply);
    })();
  });
  const link: ParentLink = {
    emit: (event, data) => send({ event, data } satisfies EventMessage),
  };
  send({ event: 'ready', data: { pid: process.pid } });
  return link;
}
