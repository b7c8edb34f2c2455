import {
  ServerInterceptingCall,
  ServerListenerBuilder,
  type Metadata,
  type ServerInterceptingCallInterface,
  type ServerInterceptor,
} from '@grpc/grpc-js';
import type { Logger } from '../../telemetry/logger.js';
import { toGrpcStatus } from '../grpc-status.js';
import type { AccessControl } from './access-control.js';

/** The services whose calls need a credential; health and reflection stay open. */
const GUARDED_PREFIX = '/codeq.v1.';

/**
 * Authenticates every codeQ call on its metadata, before grpc-js reads a byte of its
 * body: a caller without a valid credential is answered UNAUTHENTICATED while its
 * message is still unread, so it cannot make the server buffer messages (up to the
 * receive limit each, on every stream it opens) before anyone knows who it is. Until the
 * answer, the call's HTTP/2 stream stays paused, holding at most its flow-control window.
 * The principal is kept with the metadata, so the handlers' own `authenticate` finds it
 * without checking the credential again. With auth off, it passes every call through.
 */
export function authInterceptor(access: AccessControl, logger: Logger): ServerInterceptor {
  return (method, call: ServerInterceptingCallInterface) => {
    if (!access.enabled || !method.path.startsWith(GUARDED_PREFIX)) return new ServerInterceptingCall(call);
    const listener = new ServerListenerBuilder()
      .withOnReceiveMetadata((metadata: Metadata, next: (metadata: Metadata) => void) => {
        access.authenticateMetadata(metadata).then(
          () => next(metadata),
          (err: unknown) => call.sendStatus(toGrpcStatus(err, logger)),
        );
      })
      .build();
    return new ServerInterceptingCall(call, { start: (next) => next(listener) });
  };
}
