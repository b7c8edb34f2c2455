import { createRequire } from 'node:module';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import protobuf from 'protobufjs';
import * as descriptor from 'protobufjs/ext/descriptor/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryStore } from '../../src/lease-store/memory/memory-store.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

// The reflection protocol's own proto, as a tool like grpcurl carries it: nothing of codeQ's.
const REFLECTION_PROTO = createRequire(import.meta.url).resolve(
  '@grpc/reflection/build/proto/grpc/reflection/v1/reflection.proto',
);

interface ReflectionResponse {
  file_descriptor_response?: { file_descriptor_proto: Buffer[] };
  list_services_response?: { service: { name: string }[] };
  error_response?: { error_message: string };
}

/** Sends one reflection request on a fresh stream and returns the answer. */
function reflect(address: string, request: Record<string, string>): Promise<ReflectionResponse> {
  const definition = protoLoader.loadSync(REFLECTION_PROTO, { keepCase: true, defaults: true });
  const pkg = grpc.loadPackageDefinition(definition) as unknown as {
    grpc: { reflection: { v1: { ServerReflection: grpc.ServiceClientConstructor } } };
  };
  const client = new pkg.grpc.reflection.v1.ServerReflection(address, grpc.credentials.createInsecure());
  return new Promise((resolve, reject) => {
    const call = (
      client as unknown as { ServerReflectionInfo(): grpc.ClientDuplexStream<object, ReflectionResponse> }
    ).ServerReflectionInfo();
    call.on('data', (res: ReflectionResponse) => {
      resolve(res);
      call.end();
      client.close();
    });
    call.on('error', reject);
    call.write(request);
  });
}

describe('server reflection', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(new MemoryStore());
  });
  afterAll(async () => {
    await server.stop();
  });

  it("lists codeQ's services and the standard ones", async () => {
    const res = await reflect(server.address, { list_services: '' });
    expect(res.list_services_response!.service.map((s) => s.name)).toEqual(
      expect.arrayContaining(['codeq.v1.TaskService', 'codeq.v1.WorkerService', 'grpc.health.v1.Health']),
    );
  });

  it('describes TaskService well enough to call Enqueue with no proto file at hand', async () => {
    const res = await reflect(server.address, { file_containing_symbol: 'codeq.v1.TaskService' });
    const files = res.file_descriptor_response!.file_descriptor_proto.map((bytes) =>
      descriptor.FileDescriptorProto.decode(bytes),
    );
    const root = (protobuf.Root as unknown as { fromDescriptor(set: object): protobuf.Root }).fromDescriptor({
      file: files,
    });
    const service = root.lookupService('codeq.v1.TaskService');
    const enqueue = service.methods.Enqueue!;
    const requestType = service.lookupType(enqueue.requestType);
    const responseType = service.lookupType(enqueue.responseType);

    const client = new grpc.Client(server.address, grpc.credentials.createInsecure());
    try {
      const reply = await new Promise<Record<string, unknown>>((resolve, reject) => {
        client.makeUnaryRequest(
          '/codeq.v1.TaskService/Enqueue',
          (value: object) => Buffer.from(requestType.encode(requestType.fromObject(value)).finish()),
          (bytes: Buffer) => responseType.toObject(responseType.decode(bytes)),
          { queue: 'reflected', payload: Buffer.from('found by reflection'), priority: 3 },
          (err, value) => (err ? reject(err) : resolve(value!)),
        );
      });
      expect(reply.taskId).toMatch(/^[A-Za-z0-9][A-Za-z0-9_-]{15}$/);
    } finally {
      client.close();
    }
  });
});
