import * as grpc from '@grpc/grpc-js';
import { service } from 'grpc-health-check';

interface HealthClient extends grpc.Client {
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
