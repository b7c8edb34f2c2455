/**
 * Keeps a long-running command (`codeq work`, `codeq serve`) running when the reader of its
 * standard error goes away: a log shipper that restarts, a `| head` that had enough. A write
 * to a closed pipe fails with EPIPE, which Node raises as an 'error' on the stream; with no
 * listener that ends the process at once, mid-task, with nothing said (the log is where it
 * would be said). Such writes are dropped instead; any other error on the stream is raised
 * as before.
 */
export function keepRunningWhenLogPipeCloses(stream: NodeJS.WriteStream = process.stderr): void {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
  });
}
