import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
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

  it('names the go_package the proto sets', () => {
    const goPackage = /option go_package = "[^";]*;(\w+)";/.exec(
      readFileSync(join(ROOT, 'proto/codeq/v1/codeq.proto'), 'utf8'),
    );
    expect(goPackage?.[1]).toBe('codeqv1');
    expect(DOC).toContain(`package \`${goPackage![1]}\``);
  });
});
