import { spawn } from 'node:child_process';
import { TaskError, type TaskHandler } from '../../clients/index.js';

/** Most bytes of a command's stdout kept as the task's result. */
const MAX_RESULT_BYTES = 1024 * 1024;
/** Most characters of a command's stderr quoted in a failure message. */
const MAX_ERROR_TAIL = 2000;
/** Exit code that asks not to retry (sysexits EX_DATAERR: the input itself is bad). */
export const EXIT_PERMANENT = 65;

/**
 * A handler that runs `command` in a shell once per task: the payload on stdin, the task
 * in CODEQ_* variables, stdout kept as the result. Exit 0 completes the task; exit 65
 * fails it for good; any other exit or signal fails the attempt (it is retried with the
 * task's backoff). Its stderr passes through to ours, and its tail explains a failure.
 */
export function execHandler(
  command: string,
  onStderr: (chunk: Buffer) => void = (c) => process.stderr.write(c),
): TaskHandler {
  return (task, { signal }) =>
    new Promise((resolve, reject) => {
      const child = spawn(command, {
        shell: true,
        stdio: ['pipe', 'pipe', 'pipe'],
        env: {
          ...process.env,
          CODEQ_TASK_ID: task.id,
          CODEQ_QUEUE: task.queue,
          CODEQ_ATTEMPT: String(task.attempt),
          CODEQ_MAX_ATTEMPTS: String(task.maxAttempts),
          CODEQ_PRIORITY: String(task.priority),
          CODEQ_LEASE_ID: task.leaseId,
        },
        signal,
      });
      const out: Buffer[] = [];
      let outBytes = 0;
      let errTail = '';
      child.stdout.on('data', (chunk: Buffer) => {
        if (outBytes < MAX_RESULT_BYTES) out.push(chunk.subarray(0, MAX_RESULT_BYTES - outBytes));
        outBytes += chunk.length;
      });
      child.stderr.on('data', (chunk: Buffer) => {
        onStderr(chunk);
        errTail = (errTail + chunk.toString('utf8')).slice(-MAX_ERROR_TAIL);
      });
      // A command that does not read its stdin closes the pipe early; that is not a failure.
      child.stdin.on('error', () => {});
      child.stdin.end(task.payload);
      child.on('error', (err) => reject(err));
      child.on('close', (code, sig) => {
        if (code === 0) return resolve(Buffer.concat(out));
        const why = sig ? `killed by ${sig}` : `exit code ${code}`;
        const message = errTail.trim() ? `${why}: ${errTail.trim()}` : why;
        reject(new TaskError(message, { permanent: code === EXIT_PERMANENT }));
      });
    });
}
