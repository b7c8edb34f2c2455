import type * as protoLoader from '@grpc/proto-loader';
import protobuf from 'protobufjs';
import { compileCodec, type MessageCodec, type PlanCache } from './message-codec.js';

/** Loads `file` (under `root`) with protobufjs as proto-loader does: camelCase field names. */
export function loadRoot(protoDir: string, file: string): protobuf.Root {
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) =>
    target.startsWith('google/protobuf/') ? target : `${protoDir}/${target}`;
  root.loadSync(file, { keepCase: false });
  root.resolveAll();
  return root;
}

/**
 * Replaces the serializers of every method of `definition`'s services with codecs compiled
 * from `root` (message-codec.ts): same messages on the wire, same objects in the handlers,
 * without proto-loader's per-message conversions.
 */
export function withFastMethods(
  definition: protoLoader.PackageDefinition,
  root: protobuf.Root,
): protoLoader.PackageDefinition {
  const plans: PlanCache = new Map();
  const codecs = new Map<protobuf.Type, MessageCodec>();
  const codecOf = (type: protobuf.Type): MessageCodec => {
    let codec = codecs.get(type);
    if (!codec) codecs.set(type, (codec = compileCodec(type, plans)));
    return codec;
  };
  const out: protoLoader.PackageDefinition = { ...definition };
  for (const [name, entry] of Object.entries(definition)) {
    const service = root.lookup(name);
    if (!(service instanceof protobuf.Service)) continue;
    const methods: protoLoader.ServiceDefinition = { ...(entry as protoLoader.ServiceDefinition) };
    for (const [methodName, method] of Object.entries(methods)) {
      const reflected = service.methods[methodName];
      if (!reflected?.resolvedRequestType || !reflected.resolvedResponseType) continue;
      const request = codecOf(reflected.resolvedRequestType);
      const response = codecOf(reflected.resolvedResponseType);
      methods[methodName] = {
        ...method,
        requestSerialize: request.encode,
        requestDeserialize: request.decode,
        responseSerialize: response.encode,
        responseDeserialize: response.decode,
      };
    }
    out[name] = methods;
  }
  return out;
}
