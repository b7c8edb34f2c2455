import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { startTelemetry } from '../../src/telemetry/telemetry.js';

// A file of its own: the SDK registers its providers globally, once per process.
describe('--trace-file', () => {
  it('writes a span within a second of its end, for codeq trace to read right after a task ran', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'codeq-trace-file-'));
    const file = join(dir, 'spans.jsonl');
    const telemetry = await startTelemetry({ serviceName: 'codeq', traceFile: file, env: {} });
    try {
      telemetry.tracerProvider!.getTracer('test').startSpan('written-soon').end();
      // Within 3 s: the batch processor's default delay (5 s) would miss it.
      await vi.waitFor(
        () => expect(existsSync(file) && readFileSync(file, 'utf8')).toContain('written-soon'),
        {
          timeout: 3_000,
          interval: 50,
        },
      );
    } finally {
      await telemetry.shutdown();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
