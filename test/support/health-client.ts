import * as grpc from '@grpc/grpc-js';
import { service } from 'grpc-health-check';

interface HealthClient extends grpc.Client {
  watch(request: { service: string }): grpc.ClientReadableStream<{ status: string }>;
  check(
    request: { service: string },
    options: grpc.CallOptions,
    callback: (err: grpc.ServiceError | null, res?: { status: string }) => void,
  ): void;
}

const HealthClientCtor = grpc.makeClientConstructor(service, 'grpc.health.v1.Health') as unknown as new (
  address: string,
  credentials: grpc.ChannelCredentials,
) => HealthClient;

/** Asks the standard health service at `address` for the status of `service` ("" for the whole server). */
export async function checkHealth(address: string, serviceName = ''): Promise<string> {
  const client = new HealthClientCtor(address, grpc.credentials.createInsecure());
  try {
    return await new Promise<string>((resolve, reject) => {
      client.check({ service: serviceName }, { deadline: Date.now() + 5_000 }, (err, res) =>
        err ? reject(err) : resolve(res!.status),
      );
    });
  } finally {
    client.close();
  }
}

/**
 * Watches the status of `service` at `address`: every status the server pushes is added
 * to `statuses`, in order, until `close()`.
 */
export function watchHealth(address: string, serviceName = ''): { statuses: string[]; close(): void } {
  const client = new HealthClientCtor(address, grpc.credentials.createInsecure());
  const statuses: string[] = [];
  const call = client.watch({ service: serviceName });
  call.on('data', (res: { status: string }) => statuses.push(res.status));
  call.on('error', () => {});
  return {
    statuses,
    close() {
      call.cancel();
      client.close();
    },
  };
}
