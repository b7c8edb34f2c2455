import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { ProtoGrpcType } from './generated/codeq.js';
import loaderOptions from './loader-options.json' with { type: 'json' };
import { loadRoot, withFastMethods } from './wire/fast-methods.js';

/** Finds `proto/` by walking up from this module: the same from `src/` under vitest and from `dist/src/`. */
function protoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'proto');
    if (existsSync(join(candidate, 'codeq/v1/codeq.proto'))) return candidate;
    const parent = dirname(dir);
    if (parent === dir)
      throw new Error('codeq: proto/codeq/v1/codeq.proto not found above ' + import.meta.url);
    dir = parent;
  }
}

/** The JSON names the conversion types (as the generator's flags do); the loader takes the constructors. */
const CONVERSIONS: Record<string, typeof Number | typeof String | typeof Buffer> = { Number, String, Buffer };

const PROTO_FILE = 'codeq/v1/codeq.proto';

let cached: ProtoGrpcType | undefined;
let cachedDefinition: protoLoader.PackageDefinition | undefined;

/**
 * The codeq.v1 package, loaded once with the options the committed types were generated
 * with (src/api/loader-options.json), so the runtime objects match the generated types.
 */
export function codeqProto(): ProtoGrpcType {
  cached ??= grpc.loadPackageDefinition(codeqPackageDefinition()) as unknown as ProtoGrpcType;
  return cached;
}

/** The package definition behind {@link codeqProto}, with the file descriptors that server reflection serves. */
export function codeqPackageDefinition(): protoLoader.PackageDefinition {
  if (!cachedDefinition) {
    const dir = protoRoot();
    const definition = protoLoader.loadSync(PROTO_FILE, {
      ...loaderOptions,
      longs: CONVERSIONS[loaderOptions.longs],
      enums: CONVERSIONS[loaderOptions.enums],
      bytes: CONVERSIONS[loaderOptions.bytes],
      includeDirs: [dir],
    });
    // The same messages and objects, encoded and decoded without proto-loader's conversions.
    cachedDefinition = withFastMethods(definition, loadRoot(dir, PROTO_FILE));
  }
  return cachedDefinition;
}
