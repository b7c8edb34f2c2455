import { setTimeout as sleep } from 'node:timers/promises';

/** Producer lanes under way: how many enqueues they sent, and how to stop them. */
export interface SteadyLanes {
  sent(): number;
  /** Stops sending and waits for every lane's enqueue in flight. */
  stop(): Promise<void>;
}

/**
 * `lanes` producer lanes, each sending its next enqueue as soon as the last is answered
 * while fewer than `backlog` of the tasks sent are not `done` yet: the producer always has
 * an enqueue in flight, and the queue never grows past the backlog.
 */
export function steadyLanes(options: {
  lanes: number;
  backlog: number;
  send: (index: number) => Promise<unknown>;
  done: () => number;
}): SteadyLanes {
  let sent = 0;
  let stopping = false;
  const lane = async (): Promise<void> => {
    while (!stopping) {
      if (sent - options.done() >= options.backlog) {
        await sleep(1);
        continue;
      }
      await options.send(sent++);
    }
  };
  const running = Array.from({ length: options.lanes }, lane);
  return {
    sent: () => sent,
    stop: async () => {
      stopping = true;
      await Promise.allSettled(running);
    },
  };
}
