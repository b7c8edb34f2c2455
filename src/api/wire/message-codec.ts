import protobuf from 'protobufjs';
import { FIXED64, LENGTH_DELIMITED, ProtoReader, ProtoWriter, VARINT } from './wire-format.js';

/**
 * Encoders and decoders compiled from the proto's reflection, for plain objects shaped
 * exactly as @grpc/proto-loader hands them out with codeQ's loader options (camelCase
 * names, enums as names, 64-bit integers and bytes as Number and Buffer, repeated fields
 * always present, other fields only when set, `_field` markers for proto3 optional). They
 * skip the proto-loader path that converts every message into a protobufjs instance and
 * back (`fromObject`/`toObject`): one pass, one output object per message, no copy of a
 * bytes field on decode. The wire-format tests hold them to the same bytes-in,
 * objects-out as proto-loader for every message of the API.
 */
export interface MessageCodec {
  encode: (message: object) => Buffer;
  decode: (data: Buffer) => object;
}

/** Compiled plans by message type, shared by the codecs of one root. */
export type PlanCache = Map<protobuf.Type, MessagePlan>;

type Kind =
  'string' | 'bytes' | 'bool' | 'uint32' | 'int32' | 'int64' | 'uint64' | 'double' | 'enum' | 'message';

interface FieldPlan {
  no: number;
  name: string;
  kind: Kind;
  wireType: number;
  repeated: boolean;
  /** Set for proto3 `optional` fields: the synthetic oneof's name (`_name`), marked on decode. */
  presence: string | undefined;
  enumNames: Record<number, string> | undefined;
  enumValues: Record<string, number> | undefined;
  message: MessagePlan | undefined;
  /** For a map field: its key and value plans (entry fields 1 and 2). */
  map: { key: FieldPlan; value: FieldPlan } | undefined;
}

interface MessagePlan {
  fields: FieldPlan[];
  byNo: Map<number, FieldPlan>;
  /** Names of repeated fields: present as [] on every decoded message. */
  repeated: string[];
}

const SCALARS: Record<string, Kind> = {
  string: 'string',
  bytes: 'bytes',
  bool: 'bool',
  uint32: 'uint32',
  int32: 'int32',
  int64: 'int64',
  uint64: 'uint64',
  double: 'double',
};

function wireTypeOf(kind: Kind): number {
  if (kind === 'double') return FIXED64;
  if (kind === 'string' || kind === 'bytes' || kind === 'message') return LENGTH_DELIMITED;
  return VARINT;
}

function kindOf(typeName: string, resolved: protobuf.ReflectionObject | null): Kind {
  const scalar = SCALARS[typeName];
  if (scalar) return scalar;
  if (resolved instanceof protobuf.Enum) return 'enum';
  if (resolved instanceof protobuf.Type) return 'message';
  throw new Error(`wire codec: field type ${typeName} is not supported`);
}

function enumTables(resolved: protobuf.ReflectionObject | null): Pick<FieldPlan, 'enumNames' | 'enumValues'> {
  if (!(resolved instanceof protobuf.Enum)) return { enumNames: undefined, enumValues: undefined };
  const enumNames: Record<number, string> = {};
  for (const [name, value] of Object.entries(resolved.values)) enumNames[value] ??= name;
  return { enumNames, enumValues: { ...resolved.values } };
}

function compilePlan(type: protobuf.Type, plans: Map<protobuf.Type, MessagePlan>): MessagePlan {
  const known = plans.get(type);
  if (known) return known;
  const plan: MessagePlan = { fields: [], byNo: new Map(), repeated: [] };
  plans.set(type, plan);
  type.resolveAll();
  for (const field of type.fieldsArray) {
    let fieldPlan: FieldPlan;
    if (field instanceof protobuf.MapField) {
      const keyKind = kindOf(field.keyType, null);
      const valueKind = kindOf(field.type, field.resolvedType);
      const entry = (
        no: number,
        name: string,
        kind: Kind,
        resolved: protobuf.ReflectionObject | null,
      ): FieldPlan => ({
        no,
        name,
        kind,
        wireType: wireTypeOf(kind),
        repeated: false,
        presence: undefined,
        ...enumTables(resolved),
        message: resolved instanceof protobuf.Type ? compilePlan(resolved, plans) : undefined,
        map: undefined,
      });
      fieldPlan = {
        no: field.id,
        name: field.name,
        kind: 'message',
        wireType: LENGTH_DELIMITED,
        repeated: false,
        presence: undefined,
        enumNames: undefined,
        enumValues: undefined,
        message: undefined,
        map: { key: entry(1, 'key', keyKind, null), value: entry(2, 'value', valueKind, field.resolvedType) },
      };
    } else {
      const kind = kindOf(field.type, field.resolvedType);
      if (field.repeated && kind !== 'string' && kind !== 'bytes' && kind !== 'message')
        throw new Error(
          `wire codec: repeated ${field.type} (packed) is not supported: ${type.name}.${field.name}`,
        );
      const oneof = field.partOf;
      fieldPlan = {
        no: field.id,
        name: field.name,
        kind,
        wireType: wireTypeOf(kind),
        repeated: field.repeated,
        presence: oneof ? oneof.name : undefined,
        ...enumTables(field.resolvedType),
        message:
          field.resolvedType instanceof protobuf.Type ? compilePlan(field.resolvedType, plans) : undefined,
        map: undefined,
      };
      if (field.repeated) plan.repeated.push(field.name);
    }
    plan.fields.push(fieldPlan);
    plan.byNo.set(fieldPlan.no, fieldPlan);
  }
  return plan;
}

// ---- encode ----

function writeValue(w: ProtoWriter, f: FieldPlan, value: unknown): void {
  w.tag(f.no, f.wireType);
  switch (f.kind) {
    case 'string':
      w.string(value as string);
      return;
    case 'bytes':
      w.bytes(value as Uint8Array);
      return;
    case 'bool':
      w.varint(value ? 1 : 0);
      return;
    case 'uint32':
    case 'uint64':
      w.varint(Number(value));
      return;
    case 'int32':
    case 'int64':
      w.signed(Number(value));
      return;
    case 'double':
      w.double(Number(value));
      return;
    case 'enum': {
      const n = typeof value === 'number' ? value : f.enumValues![value as string];
      if (n === undefined) throw new TypeError(`${f.name}: unknown enum value ${JSON.stringify(value)}`);
      w.signed(n);
      return;
    }
    case 'message': {
      const at = w.fork();
      writeMessage(w, f.message!, value as Record<string, unknown>);
      w.join(at);
      return;
    }
  }
}

function writeMessage(w: ProtoWriter, plan: MessagePlan, message: Record<string, unknown>): void {
  for (const f of plan.fields) {
    const value = message[f.name];
    if (value === undefined || value === null) continue;
    if (f.map) {
      for (const key of Object.keys(value)) {
        w.tag(f.no, LENGTH_DELIMITED);
        const at = w.fork();
        writeValue(w, f.map.key, key);
        writeValue(w, f.map.value, (value as Record<string, unknown>)[key]);
        w.join(at);
      }
    } else if (f.repeated) {
      for (const item of value as unknown[]) writeValue(w, f, item);
    } else {
      writeValue(w, f, value);
    }
  }
}

// ---- decode ----

function readValue(r: ProtoReader, f: FieldPlan): unknown {
  switch (f.kind) {
    case 'string': {
      const [start, end] = r.delimited();
      return r.buf.toString('utf8', start, end);
    }
    case 'bytes': {
      const [start, end] = r.delimited();
      return r.buf.subarray(start, end);
    }
    case 'bool':
      return r.varint() !== 0;
    case 'uint32':
      return r.uint32();
    case 'int32':
      return r.int32();
    case 'int64':
      return r.int64(true);
    case 'uint64':
      return r.int64(false);
    case 'double':
      return r.double();
    case 'enum': {
      const n = r.int32();
      return f.enumNames![n] ?? n;
    }
    case 'message': {
      const [start, end] = r.delimited();
      return readMessage(new ProtoReader(r.buf, start, end), f.message!);
    }
  }
}

function readMessage(r: ProtoReader, plan: MessagePlan): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const name of plan.repeated) out[name] = [];
  while (r.pos < r.end) {
    const tag = r.varint();
    const no = Math.floor(tag / 8);
    const wireType = tag & 7;
    const f = plan.byNo.get(no);
    if (!f || wireType !== f.wireType) {
      r.skip(wireType);
      continue;
    }
    if (f.map) {
      const [start, end] = r.delimited();
      const entry = new ProtoReader(r.buf, start, end);
      let key: unknown = '';
      let value: unknown = defaultOf(f.map.value);
      while (entry.pos < entry.end) {
        const t = entry.varint();
        const n = Math.floor(t / 8);
        if (n === 1 && (t & 7) === f.map.key.wireType) key = readValue(entry, f.map.key);
        else if (n === 2 && (t & 7) === f.map.value.wireType) value = readValue(entry, f.map.value);
        else entry.skip(t & 7);
      }
      const map = (out[f.name] ??= {}) as Record<string, unknown>;
      // An own property whatever the key: `__proto__` too, which `=` would not store.
      Object.defineProperty(map, String(key), {
        value,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    } else if (f.repeated) {
      (out[f.name] as unknown[]).push(readValue(r, f));
    } else {
      out[f.name] = readValue(r, f);
      if (f.presence) out[f.presence] = f.name;
    }
  }
  return out;
}

/** What a map entry's value is when the entry leaves it out, as protobufjs decodes it. */
function defaultOf(f: FieldPlan): unknown {
  switch (f.kind) {
    case 'string':
      return '';
    case 'bytes':
      return Buffer.alloc(0);
    case 'bool':
      return false;
    case 'enum':
      return f.enumNames![0] ?? 0;
    case 'message':
      return {};
    default:
      return 0;
  }
}

const writer = new ProtoWriter();

/** Compiles the codec of one message type of a loaded protobufjs root. */
export function compileCodec(
  type: protobuf.Type,
  plans = new Map<protobuf.Type, MessagePlan>(),
): MessageCodec {
  const plan = compilePlan(type, plans);
  return {
    encode(message) {
      // Encoding is synchronous and never nested: one shared scratch buffer serves every codec.
      writer.reset();
      writeMessage(writer, plan, message as Record<string, unknown>);
      return writer.finish();
    },
    decode(data) {
      return readMessage(new ProtoReader(data), plan);
    },
  };
}
