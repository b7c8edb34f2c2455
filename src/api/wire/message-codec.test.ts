import * as protoLoader from '@grpc/proto-loader';
import fc from 'fast-check';
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { codeqPackageDefinition } from '../proto.js';
import loaderOptions from '../loader-options.json' with { type: 'json' };
import { loadRoot } from './fast-methods.js';
import { compileCodec } from './message-codec.js';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const PROTO_DIR = join(dirname(fileURLToPath(import.meta.url)), '../../../proto');
const FILE = 'codeq/v1/codeq.proto';

/** proto-loader's own serializers, unpatched: the reference the compiled codecs must match. */
const reference = protoLoader.loadSync(FILE, {
  ...loaderOptions,
  longs: Number,
  enums: String,
  bytes: Buffer,
  includeDirs: [PROTO_DIR],
});
const root = loadRoot(PROTO_DIR, FILE);

/** Every message type that crosses the wire as a request or response of codeq.v1. */
function methodTypes(): protobuf.Type[] {
  const types = new Set<protobuf.Type>();
  for (const name of ['codeq.v1.TaskService', 'codeq.v1.WorkerService']) {
    const service = root.lookupService(name);
    for (const method of service.methodsArray) {
      types.add(method.resolvedRequestType!);
      types.add(method.resolvedResponseType!);
    }
  }
  return [...types];
}

function referenceOf(type: protobuf.Type): protoLoader.MessageTypeDefinition<object, object> {
  return reference[type.fullName.slice(1)] as protoLoader.MessageTypeDefinition<object, object>;
}

const SCALAR: Record<string, fc.Arbitrary<unknown>> = {
  string: fc.string({ unit: 'grapheme', maxLength: 40 }),
  bytes: fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)),
  bool: fc.boolean(),
  uint32: fc.nat({ max: 0xffffffff }),
  int32: fc.integer({ min: -0x80000000, max: 0x7fffffff }),
  int64: fc.maxSafeInteger().map((n) => (Math.random() < 0.5 ? n : -n)),
  uint64: fc.maxSafeNat(),
  double: fc.double({ noNaN: true }),
};

/** Random input objects for `type`, as callers build them (enum names or numbers, unset fields left out). */
function arbitraryOf(type: protobuf.Type, depth = 0): fc.Arbitrary<Record<string, unknown>> {
  const fields: Record<string, fc.Arbitrary<unknown>> = {};
  for (const field of type.fieldsArray) {
    let value: fc.Arbitrary<unknown>;
    const resolved = field.resolvedType;
    if (resolved instanceof protobuf.Enum) {
      value = fc.constantFrom(...Object.keys(resolved.values), ...Object.values(resolved.values));
    } else if (resolved instanceof protobuf.Type) {
      if (depth > 3) continue;
      value = arbitraryOf(resolved, depth + 1);
    } else {
      value = SCALAR[field.type]!;
    }
    if (field instanceof protobuf.MapField)
      value = fc.dictionary(fc.string({ maxLength: 10 }), value, { maxKeys: 4 });
    else if (field.repeated) value = fc.array(value, { maxLength: 4 });
    fields[field.name] = value;
  }
  return fc.record(fields, { requiredKeys: [] });
}

describe('compiled message codecs', () => {
  const types = methodTypes();

  it('cover every request and response of the API', () => {
    expect(types.map((t) => t.name)).toEqual(
      expect.arrayContaining([
        'ClaimRequest',
        'ClaimResponse',
        'EnqueueStreamRequest',
        'EnqueueRequest',
        'Task',
      ]),
    );
  });

  for (const type of types) {
    it(`decode ${type.name} as proto-loader does, and encode it so proto-loader reads the same`, () => {
      const codec = compileCodec(type);
      const ref = referenceOf(type);
      fc.assert(
        fc.property(arbitraryOf(type), (message) => {
          const bytes = ref.serialize(message);
          const expected = ref.deserialize(bytes);
          expect(codec.decode(bytes)).toEqual(expected);
          expect(ref.deserialize(codec.encode(message))).toEqual(expected);
        }),
        { numRuns: 150 },
      );
    });
  }

  it('are what the package definition serves', () => {
    const claim = (codeqPackageDefinition()['codeq.v1.WorkerService'] as protoLoader.ServiceDefinition)
      .Claim!;
    const message = {
      leases: [{ leaseId: 'q/t/1', task: { id: 't', state: 'LEASED', headers: { a: 'b' } } }],
    };
    const bytes = claim.responseSerialize(message);
    expect(referenceOf(root.lookupType('codeq.v1.ClaimResponse')).deserialize(bytes)).toEqual(
      claim.responseDeserialize(bytes),
    );
    expect(claim.responseSerialize).not.toBe(
      (reference['codeq.v1.WorkerService'] as protoLoader.ServiceDefinition).Claim!.responseSerialize,
    );
  });

  it('keeps a map key named __proto__ as an ordinary key', () => {
    const codec = compileCodec(root.lookupType('codeq.v1.EnqueueRequest'));
    // JSON.parse makes `__proto__` an own key, as a decoded message has it.
    const headers = JSON.parse('{"__proto__": "x", "a": "b"}') as Record<string, string>;
    const decoded = codec.decode(codec.encode({ queue: 'q', headers })) as {
      headers: Record<string, string>;
    };
    expect(Object.keys(decoded.headers).sort()).toEqual(['__proto__', 'a']);
    expect(Object.getPrototypeOf(decoded.headers)).toBe(Object.prototype);
  });

  it('refuses a truncated message instead of reading past it', () => {
    const codec = compileCodec(root.lookupType('codeq.v1.ClaimRequest'));
    const bytes = codec.encode({ completes: [{ leaseId: 'x'.repeat(50), result: Buffer.alloc(10) }] });
    expect(() => codec.decode(bytes.subarray(0, bytes.length - 3))).toThrow(RangeError);
  });
});
