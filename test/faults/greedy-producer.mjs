// A producer that sends large requests on EnqueueStreams and reads no reply, run as a
// process of its own so that the memory it buffers does not count as the server's.
// Usage: node greedy-producer.mjs ADDRESS QUEUE STREAMS REQUESTS PAYLOAD_BYTES
import { Buffer } from 'node:buffer';
import { setInterval } from 'node:timers';
import * as grpc from '@grpc/grpc-js';
import { codeqProto } from '../../dist/src/api/proto.js';

const [address, queue, streams, requests, payloadBytes] = process.argv.slice(2);
const client = new (codeqProto().codeq.v1.TaskService)(address, grpc.credentials.createInsecure());
const payload = Buffer.alloc(Number(payloadBytes), 0x61);
for (let s = 0; s < Number(streams); s++) {
  const call = client.enqueueStream();
  call.on('error', () => {});
  for (let i = 0; i < Number(requests); i++) call.write({ tasks: [{ queue, payload }] });
}
process.stdout.write('writing\n');
// Stays until killed.
setInterval(() => {}, 60_000);
