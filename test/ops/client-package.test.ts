import { execFileSync } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';

interface PackageJson {
  name: string;
  version: string;
  dependencies: Record<string, string>;
}

const rootPackage = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as PackageJson;
const clientPackage = JSON.parse(readFileSync(join(ROOT, 'clients', 'package.json'), 'utf8')) as PackageJson;

/** Bare import specifiers (`pkg` or `@scope/pkg`) of the compiled files under `dir`. */
function bareImports(dir: string): Set<string> {
  const found = new Set<string>();
  for (const file of readdirSync(dir, { recursive: true }).map(String)) {
    if (!/\.(js|d\.ts)$/.test(file)) continue;
    const text = readFileSync(join(dir, file), 'utf8');
    for (const [, spec] of text.matchAll(/(?:from\s*|import\s*\(\s*)['"]([^'".][^'"]*)['"]/g)) {
      const name = spec!.startsWith('@') ? spec!.split('/').slice(0, 2).join('/') : spec!.split('/')[0]!;
      found.add(name);
    }
  }
  return found;
}

/**
 * The client package as a worker gets it: `npm pack ./clients` (which builds it), the
 * tarball unpacked into a project's node_modules next to its declared dependencies only
 * (linked from this checkout, so the test needs no registry), then a TypeScript consumer
 * checked under nodenext with skipLibCheck off, and the package imported.
 */
describe('the client package (codeq-client)', () => {
  let project: string;
  let packed: { files: { path: string }[] };
  beforeAll(() => {
    project = mkdtempSync(join(tmpdir(), 'codeq-client-'));
    const out = execFileSync(NPM, ['pack', '--json', '--pack-destination', project], {
      cwd: join(ROOT, 'clients'),
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    packed = (JSON.parse(out.slice(out.indexOf('['))) as { files: { path: string }[] }[])[0]!;
    const target = join(project, 'node_modules', clientPackage.name);
    mkdirSync(target, { recursive: true });
    execFileSync('tar', [
      '-xzf',
      join(project, `${clientPackage.name}-${clientPackage.version}.tgz`),
      '-C',
      target,
      '--strip-components=1',
    ]);
    for (const dep of [...Object.keys(clientPackage.dependencies), '@types/node']) {
      mkdirSync(dirname(join(project, 'node_modules', dep)), { recursive: true });
      symlinkSync(join(ROOT, 'node_modules', dep), join(project, 'node_modules', dep), 'dir');
    }
  }, 120_000);
  afterAll(() => {
    rmSync(project, { recursive: true, force: true });
  });

  it('has the version and dependency ranges of the codeq package', () => {
    expect(clientPackage.version).toBe(rootPackage.version);
    for (const [name, range] of Object.entries(clientPackage.dependencies))
      expect(range, name).toBe(rootPackage.dependencies[name]);
  });

  it('ships the client, the shared core and the proto, nothing of the server', () => {
    const paths = packed.files.map((f) => f.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'dist/clients/index.js',
        'dist/clients/index.d.ts',
        'dist/src/api/loader-options.json',
        'dist/proto/codeq/v1/codeq.proto',
      ]),
    );
    const server = paths.filter((p) =>
      /^dist\/(src\/(server|lease-store|dispatcher|cli|telemetry|auth|config)\/|.*\.test\.)|testing\//.test(
        p,
      ),
    );
    expect(server).toEqual([]);
  });

  it('imports only its declared dependencies and Node built-ins', () => {
    const allowed = new Set([...Object.keys(clientPackage.dependencies), ...builtinModules, 'node']);
    const imports = bareImports(join(project, 'node_modules', clientPackage.name, 'dist'));
    const undeclared = [...imports].filter((name) => !allowed.has(name.replace(/^node:/, '')));
    expect(undeclared).toEqual([]);
    for (const server of ['ioredis', 'jose', '@opentelemetry/sdk-node'])
      expect(imports.has(server)).toBe(false);
  });

  it('type-checks a consumer under nodenext with skipLibCheck off, and imports', () => {
    writeFileSync(
      join(project, 'package.json'),
      JSON.stringify({ name: 'consumer', private: true, type: 'module' }),
    );
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'nodenext',
          moduleResolution: 'nodenext',
          target: 'es2023',
          strict: true,
          skipLibCheck: false,
          noEmit: true,
          types: ['node'],
        },
        files: ['consumer.ts'],
      }),
    );
    writeFileSync(
      join(project, 'consumer.ts'),
      [
        "import { Producer, Worker, type EnqueueResult } from 'codeq-client';",
        "const producer = new Producer({ address: '127.0.0.1:1' });",
        'const result: EnqueueResult = { taskId: "t", duplicate: false };',
        'console.log(typeof Worker, result.taskId);',
        'producer.close();',
      ].join('\n'),
    );
    execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', project], {
      cwd: project,
      encoding: 'utf8',
    });
    const exported = execFileSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        "const m = await import('codeq-client'); new m.Producer({ address: '127.0.0.1:1' }).close(); console.log(Object.keys(m).sort().join(' '))",
      ],
      { cwd: project, encoding: 'utf8' },
    );
    expect(exported.trim().split(' ')).toEqual(
      expect.arrayContaining(['Admin', 'Producer', 'Worker', 'TaskError']),
    );
  });
});
