import { readdirSync, readFileSync } from 'node:fs';
import { connect } from 'amqplib';

/**
 * The RabbitMQ broker `--compare rabbitmq` runs against: one already running on the machine
 * (`CODEQ_BENCH_AMQP_URL`, default the local guest account). Unlike Redis it is not the
 * bench's own, so the bench only ever touches its own queue, named per run.
 */
export const AMQP_URL = process.env.CODEQ_BENCH_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

/** The RabbitMQ queue of a bench queue: the bench's own, never a queue somebody else uses. */
export function rabbitQueueName(queue: string): string {
  return `codeq-bench.${queue}`;
}

/** Empties (and creates, durable) the bench's queue; rejects when no broker answers. */
export async function resetRabbitQueue(url: string, queue: string): Promise<void> {
  const connection = await connect(url);
  try {
    const channel = await connection.createChannel();
    await channel.assertQueue(queue, { durable: true });
    await channel.purgeQueue(queue);
    await channel.close();
  } finally {
    await connection.close();
  }
}

/**
 * The broker's process id (the Erlang VM, `beam.smp`), found by name in /proc; undefined
 * when it is not a local process the bench can see.
 */
export function brokerPid(): number | undefined {
  try {
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === 'beam.smp') return Number(entry);
      } catch {
        // The process ended meanwhile.
      }
    }
  } catch {
    // No /proc: not Linux.
  }
  return undefined;
}

/** CPU time (user + system) a process used so far, ms, from /proc/PID/stat; 0 when unreadable. */
export function processCpuMs(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which may hold spaces: utime and stime are the 12th and 13th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return 0;
  }
}
