/**
 * The messages between the bench's parent process and its children (server, producers,
 * workers). The parent sends commands and awaits one reply each; a child also pushes
 * events (interval reports) on its own. Sent with Node's 'advanced' serialization.
 */

/** A command from the parent. */
export interface CommandMessage {
  id: number;
  cmd: string;
  args: unknown;
}

/** The reply to one command. */
export type ReplyMessage =
  { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string };

/** Something the child reports without being asked; `ready` once it can take commands. */
export interface EventMessage {
  event: string;
  data: unknown;
}

export type ChildMessage = ReplyMessage | EventMessage;

export function isEvent(message: ChildMessage): message is EventMessage {
  return 'event' in message;
}
