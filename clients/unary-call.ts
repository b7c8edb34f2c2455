import type * as grpc from '@grpc/grpc-js';

/** Promisifies one unary call; the ServiceError is passed on as it came. */
export function unary<Res>(
  start: (options: grpc.CallOptions, callback: (err: grpc.ServiceError | null, res?: Res) => void) => unknown,
  options: { deadlineMs?: number },
): Promise<Res> {
  const callOptions: grpc.CallOptions = {};
  if (options.deadlineMs !== undefined) callOptions.deadline = Date.now() + options.deadlineMs;
  return new Promise((resolve, reject) => {
    start(callOptions, (err, res) => {
      if (err) reject(err);
      else resolve(res as Res);
    });
  });
}
