import { connect, type ClientHttp2Session } from 'node:http2';
import type { MethodDefinition } from '@grpc/proto-loader';
import { codeqPackageDefinition } from '../../src/api/proto.js';
import type { EnqueueRequest } from '../../src/api/generated/codeq/v1/EnqueueRequest.js';
import { toEnqueueRequest } from '../../clients/producer.js';
import { encodeStamp, type Stamp } from '../core/stamp.js';
import { options } from './codeq-producer.js';
import type { LoadProducer, ProducerSpec } from './load-producer.js';
import { QueueTurns } from './queue-spread.js';
import { grpcFrame, grpcRequest } from './h2-grpc.js';

const TASK_SERVICE = codeqPackageDefinition()['codeq.v1.TaskService'] as Record<
  string,
  MethodDefinition<object, object>
>;
/** The server's own codecs of the two calls, so the bytes are what any client sends. */
const ENQUEUE = TASK_SERVICE.Enqueue!;
const ENQUEUE_BATCH = TASK_SERVICE.EnqueueBatch!;

/**
 * One unary `Enqueue` per task over a bare `node:http2` session: the gRPC wire protocol
 * (a length-prefixed protobuf message, `grpc-status` in the trailers) without grpc-js's
 * client, which costs the producer process about half as much CPU per call. A service
 * calling codeQ from Go or Python pays its own client's cost, not grpc-js's; a run with
 * this producer (`--producer h2-unary`) shows the server's unary path with less of the
 * load generator's cost on the same two cores. The server sees the same calls as from
 * any other client.
 */
export class H2UnaryProducer implements LoadProducer {
  readonly #session: ClientHttp2Session;
  readonly #spec: ProducerSpec;
  readonly #queues: QueueTurns;

  constructor(address: string, spec: ProducerSpec) {
    this.#spec = spec;
    this.#queues = new QueueTurns(spec.queue, spec.queues);
    this.#session = connect(`http://${address}`);
    this.#session.on('error', () => {});
  }

  send(stamp: Stamp): Promise<void> {
    return this.#call(
      ENQUEUE.path,
      ENQUEUE.requestSerialize(enqueueRequest(this.#spec, this.#queues.next(), stamp)),
    );
  }

  sendBatch(stamps: readonly Stamp[]): Promise<void> {
    const tasks = stamps.map((stamp) => enqueueRequest(this.#spec, this.#queues.next(), stamp));
    return this.#call(ENQUEUE_BATCH.path, ENQUEUE_BATCH.requestSerialize({ tasks }));
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.#session.close(() => resolve()));
  }

  #call(path: string, message: Buffer): Promise<void> {
    return new Promise((resolve, reject) => {
      const { stream: req, status } = grpcRequest(this.#session, path);
      req.on('data', () => {});
      req.on('error', reject);
      req.on('close', () => {
        const { code, details } = status();
        if (code === 0) resolve();
        else reject(new Error(`${path}: grpc-status ${code} ${details}`));
      });
      req.end(grpcFrame(message));
    });
  }
}

/** The EnqueueRequest of one bench task, as the codeQ Producer builds it (codeq-producer.ts). */
function enqueueRequest(spec: ProducerSpec, queue: string, stamp: Stamp): EnqueueRequest {
  return toEnqueueRequest(queue, encodeStamp(stamp, spec.payloadBytes), options(stamp));
}
