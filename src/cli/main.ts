#!/usr/bin/env node
// The `codeq` executable: checks the Node.js version first, then loads the command line.
// The rest of codeQ is imported dynamically so that an old Node.js gets one clear line
// instead of a syntax or import error from deep inside a dependency.
import { exitOnOldNode } from './node-version.js';
import { codeqVersion } from './version.js';

exitOnOldNode();
const [command, ...extra] = process.argv.slice(2);
if (extra.length === 0 && (command === '--version' || command === '-V' || command === 'version')) {
  // Answered before gRPC and the server's modules load: a second faster.
  console.log(`codeq ${codeqVersion()}`);
  process.exit(0);
}
// Before grpc-js and the server's modules load (heap-tuning.ts says why).
const { tuneHeapForServer } = await import('../server/heap-tuning.js');
tuneHeapForServer();
const { runCli } = await import('./codeq.js');
await runCli(process.argv.slice(2));
// The command is done. A socket whose peer stopped reading (a frozen network) can outlive
// even a forced close; it must not keep a stopped server's process alive.
setTimeout(() => process.exit(), 2_000).unref();
