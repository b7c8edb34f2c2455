import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { status } from '@grpc/grpc-js';
import type protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { loadRoot } from '../../src/api/wire/fast-methods.js';

const ROOT = join(import.meta.dirname, '..', '..');
const DOC = readFileSync(join(ROOT, 'docs/other-languages.md'), 'utf8');
const proto = loadRoot(join(ROOT, 'proto'), 'codeq/v1/codeq.proto');

/** The calls of a Python program, read by Python's own parser (which also checks the syntax). */
const READ_CALLS = `
import ast, json, sys
calls = []
for node in ast.walk(ast.parse(sys.stdin.read())):
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Name):
        calls.append({"on": node.func.value.id, "name": node.func.attr, "kwargs": [k.arg for k in node.keywords]})
print(json.dumps(calls))
`;

/**
 * What a Python program calls and reads, by dotted name (`Req.Open`, `worker.Claim`), with
 * each call's keyword arguments and each `name.attribute` read.
 */
const READ_NAMES = `
import ast, json, sys
def dotted(node):
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        inner = dotted(node.value)
        return inner and inner + "." + node.attr
    return None
tree = ast.parse(sys.stdin.read())
calls, reads = [], []
for node in ast.walk(tree):
    if isinstance(node, ast.Call) and dotted(node.func):
        calls.append({"name": dotted(node.func), "kwargs": [k.arg for k in node.keywords]})
    elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        reads.append({"on": node.value.id, "name": node.attr})
print(json.dumps({"calls": calls, "reads": reads}))
`;

interface PythonCall {
  on: string;
  name: string;
  kwargs: string[];
}

function pythonExample(name: string): string {
  const m = new RegExp(`<!-- example: ${name}[^>]*-->\\s*\`\`\`python\\n([\\s\\S]*?)\`\`\``).exec(DOC);
  if (!m) throw new Error(`no example ${name} in docs/other-languages.md`);
  return m[1]!;
}

const camel = (s: string): string => s.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

describe('docs/other-languages.md', () => {
  it("the Python producer uses the proto's services, methods and fields, with bearer metadata", () => {
    const code = pythonExample('python-producer');
    const calls = JSON.parse(
      execFileSync('python3', ['-c', READ_CALLS], { input: code, encoding: 'utf8' }),
    ) as PythonCall[];
    const stubs = new Map<string, protobuf.Service>();
    for (const call of calls.filter((c) => c.on === 'codeq_pb2_grpc')) {
      const service = proto.lookupService(`codeq.v1.${call.name.replace(/Stub$/, '')}`);
      stubs.set(call.name, service);
    }
    expect([...stubs.keys()]).toEqual(['TaskServiceStub']);
    const rpcs = calls.filter((c) => c.on === 'tasks');
    expect(rpcs.map((c) => c.name)).toEqual(['Enqueue', 'WaitTask']);
    for (const rpc of rpcs) {
      expect(stubs.get('TaskServiceStub')!.methods[rpc.name], rpc.name).toBeDefined();
      expect(rpc.kwargs).toContain('metadata');
    }
    const messages = calls.filter((c) => c.on === 'codeq_pb2' && c.name !== 'TaskState');
    expect(messages.map((c) => c.name)).toEqual(['EnqueueRequest', 'WaitTaskRequest']);
    for (const message of messages) {
      const type = proto.lookupType(`codeq.v1.${message.name}`);
      for (const field of message.kwargs)
        expect(type.fields[camel(field)], `${message.name}.${field}`).toBeDefined();
    }
    expect(code).toContain('("authorization", "Bearer " + ');
  });

  it("the Python worker uses the Claim stream's messages and fields as the proto names them", () => {
    const code = pythonExample('python-worker');
    const { calls, reads } = JSON.parse(
      execFileSync('python3', ['-c', READ_NAMES], { input: code, encoding: 'utf8' }),
    ) as { calls: { name: string; kwargs: string[] }[]; reads: { on: string; name: string }[] };
    expect(code).toMatch(/^Req = codeq_pb2\.ClaimRequest$/m);
    const messageOf = (name: string): protobuf.Type | undefined => {
      const m = /^(?:Req|codeq_pb2\.ClaimRequest)(\.\w+)?$/.exec(name);
      return m ? proto.lookupType(`codeq.v1.ClaimRequest${m[1] ?? ''}`) : undefined;
    };
    const built = calls.filter((c) => messageOf(c.name));
    expect(new Set(built.map((c) => c.name))).toEqual(
      new Set(['Req', 'Req.Complete', 'Req.Fail', 'Req.Open']),
    );
    for (const call of built)
      for (const field of call.kwargs)
        expect(messageOf(call.name)!.fields[camel(field)], `${call.name}(${field}=)`).toBeDefined();

    expect(calls.map((c) => c.name)).toContain('codeq_pb2_grpc.WorkerServiceStub');
    const claim = calls.find((c) => c.name === 'worker.Claim');
    expect(proto.lookupService('codeq.v1.WorkerService').methods.Claim?.requestStream).toBe(true);
    expect(claim?.kwargs).toContain('metadata');

    // The names the example reads, by the message each variable holds.
    const typeOf: Record<string, string> = {
      response: 'codeq.v1.ClaimResponse',
      lease: 'codeq.v1.ClaimResponse.Lease',
      outcome: 'codeq.v1.ClaimResponse.Outcome',
      task: 'codeq.v1.Task',
      settle: 'codeq.v1.ClaimRequest',
    };
    const checked = reads.filter((r) => typeOf[r.on]);
    expect(new Set(checked.map((r) => r.on))).toEqual(new Set(Object.keys(typeOf)));
    for (const read of checked)
      expect(
        proto.lookupType(typeOf[read.on]!).fields[camel(read.name)],
        `${read.on}.${read.name}`,
      ).toBeDefined();
    // The outcome code it sends again on is gRPC's UNAVAILABLE, as the proto's Outcome.code says.
    expect(code).toContain(`UNAVAILABLE = ${status.UNAVAILABLE}`);
  });

  it('names the go_package the proto sets', () => {
    const goPackage = /option go_package = "[^";]*;(\w+)";/.exec(
      readFileSync(join(ROOT, 'proto/codeq/v1/codeq.proto'), 'utf8'),
    );
    expect(goPackage?.[1]).toBe('codeqv1');
    expect(DOC).toContain(`package \`${goPackage![1]}\``);
  });
});
