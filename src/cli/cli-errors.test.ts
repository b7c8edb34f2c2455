import { setImmediate as nextMacrotask } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { parseArgs } from 'node:util';
import {
  asPayloadRefusal,
  carrying,
  describeCliError,
  isRefusedInput,
  OverMessageCapError,
  describeListenError,
  describeUsageError,
  quietIpServernameWarning,
  workerLogSentence,
} from './cli-errors.js';

const refused = {
  code: 14,
  details:
    'No connection established. Last error: Error: connect ECONNREFUSED 127.0.0.1:1. Resolution note: ',
};
const handshake = {
  code: 14,
  details:
    'No connection established. Last error: Failed to connect (2026-12-04T05:49:39.470Z). Resolution note: ',
};
/** grpc-js's details when a mutual-TLS server got no client certificate (as Node 22 reports it). */
const certificateRequired = {
  code: 14,
  details:
    'No connection established. Last error: C02C70306E7F0000:error:0A00045C:SSL routines:ssl3_read_bytes:' +
    'tlsv13 alert certificate required:../deps/openssl/openssl/ssl/record/rec_layer_s3.c:918:' +
    'SSL alert number 116\n (2026-12-06T20:12:34.405Z). Resolution note: ',
};
/** grpc-js's details when a TLS client reached a plaintext server. */
const plaintextServer = {
  code: 14,
  details:
    'No connection established. Last error: Error: C02C70306E7F0000:error:0A00010B:SSL routines:' +
    'tls_validate_record_header:wrong version number:../deps/openssl/openssl/ssl/record/methods/' +
    'tlsany_meth.c:77:\n. Resolution note: ',
};
/** grpc-js's details when the server's certificate is not signed by a trusted CA. */
const untrusted = {
  code: 14,
  details:
    'No connection established. Last error: Error: self-signed certificate in certificate chain. Resolution note: ',
};

describe('describeUsageError', () => {
  const refusal = (args: string[]): unknown => {
    try {
      parseArgs({ args, options: { server: { type: 'string' } }, allowPositionals: false });
    } catch (err) {
      return err;
    }
    throw new Error(`parseArgs took ${args.join(' ')}`);
  };

  it('names an unknown option and where the options are listed', () => {
    expect(describeUsageError(refusal(['--queue', 'q']), 'enqueue')).toBe(
      'unknown option --queue (codeq enqueue --help lists the options)',
    );
  });

  it('keeps what Node says of other refusals, with the help to read', () => {
    expect(describeUsageError(refusal(['--server']), 'stats')).toMatch(
      /^Option '--server <value>' argument missing \(see codeq stats --help\)$/,
    );
    expect(describeUsageError(refusal(['extra']), undefined)).toMatch(/'extra'.*\(see codeq --help\)$/);
  });

  it('leaves every other error alone', () => {
    expect(describeUsageError(new Error('boom'), 'enqueue')).toBeUndefined();
    expect(describeUsageError(refused, 'enqueue')).toBeUndefined();
  });
});

describe('describeCliError', () => {
  it('says a server cannot be reached in a sentence, with the cause', () => {
    expect(describeCliError(refused)).toBe(
      'cannot reach the server: connect ECONNREFUSED 127.0.0.1:1 (is codeq serve running at that address?)',
    );
  });

  it('hints at TLS when a plaintext connection opened but failed, and at the CA over TLS', () => {
    expect(describeCliError(handshake)).toBe(
      "cannot reach the server: Failed to connect (something answers there, but not as codeq serve's gRPC port: check --server is its --listen address, not its console or metrics; if it serves TLS, connect with --tls or --tls-ca PATH)",
    );
    expect(describeCliError(handshake, { tls: true })).toBe(
      "cannot reach the server: Failed to connect (check --tls-ca, and the certificate's names against --server)",
    );
  });

  it('fits the TLS hint to a cause the handshake error tells', () => {
    expect(describeCliError(certificateRequired, { tls: true })).toMatch(
      /SSL alert number 116 \(the server requires a client certificate: pass --tls-client-cert and --tls-client-key\)$/,
    );
    expect(describeCliError(plaintextServer, { tls: true })).toMatch(
      /wrong version number:.*\(the server at --server does not serve TLS: drop --tls and --tls-ca, or check the address\)$/,
    );
    // Causes that do not tell which file or name is wrong keep the general hint.
    for (const other of [untrusted, handshake])
      expect(describeCliError(other, { tls: true })).toMatch(
        / \(check --tls-ca, and the certificate's names against --server\)$/,
      );
    // A worker's retry line says the same.
    expect(workerLogSentence('no Claim stream', { ...certificateRequired, delayMs: 1000 }, true)).toMatch(
      /\(the server requires a client certificate: .*\); trying again in 1\.0 s$/,
    );
  });

  it("says what to do about the server's Redis outage, and leaves the replicas' refusal as it is", () => {
    expect(describeCliError({ code: 14, details: 'Redis unavailable' }, { command: 'enqueue' })).toBe(
      "Redis unavailable (gRPC status 14); the server's Redis is down or failing over: try again (an enqueue retried with the same --idempotency-key is never added twice)",
    );
    // The keyed-retry note is an enqueue's: other commands are told to try again only.
    expect(describeCliError({ code: 14, details: 'Redis unavailable' }, { command: 'stats' })).toBe(
      "Redis unavailable (gRPC status 14); the server's Redis is down or failing over: try again",
    );
    const notConfirmed =
      'Redis unavailable: the write was not confirmed by enough replicas; it may still have been applied';
    expect(describeCliError({ code: 14, details: notConfirmed })).toBe(`${notConfirmed} (gRPC status 14)`);
  });

  it('says where a refused credential comes from, given or not', () => {
    const missing = {
      code: 16,
      details: 'authorization: missing; send "authorization: Bearer TOKEN" metadata',
    };
    expect(describeCliError(missing, { token: false })).toBe(
      'authorization: missing; send "authorization: Bearer TOKEN" metadata (gRPC status 16); ' +
        'give one with --token TOKEN or, better, CODEQ_TOKEN',
    );
    expect(describeCliError(missing, { token: false, emptyTokenVariable: true })).toMatch(
      /; CODEQ_TOKEN is set but empty, which counts as unset, so no token was sent: check what sets it$/,
    );
    expect(describeCliError({ code: 16, details: 'authorization: unknown token' }, { token: true })).toBe(
      'authorization: unknown token (gRPC status 16); check the token given by --token or CODEQ_TOKEN',
    );
    // A permission refusal names the scope; the token itself was accepted.
    expect(describeCliError({ code: 7, details: 'token "p" lacks the claim scope' }, { token: true })).toBe(
      'token "p" lacks the claim scope (gRPC status 7)',
    );
  });

  it("names a refused field as the command's flag, and the payload limit as the server's flag", () => {
    const refused = (details: string, command: string): string =>
      describeCliError({ code: 3, details }, { command });
    expect(refused('max_attempts: must be between 1 and 1000, got 1000000', 'enqueue')).toBe(
      '--max-attempts: must be between 1 and 1000, got 1000000 (gRPC status 3)',
    );
    expect(
      refused('retry.max_backoff: must be between initial_backoff (1000 ms) and 7 days, got 1 ms', 'enqueue'),
    ).toBe('--max-backoff: must be between --initial-backoff (1000 ms) and 7 days, got 1 ms (gRPC status 3)');
    expect(refused('fairness_key: must match …', 'enqueue')).toBe('--key: must match … (gRPC status 3)');
    expect(refused('open.queues[0]: must match …', 'work')).toBe('queue: must match … (gRPC status 3)');
    expect(refused('page_size: must be at most 1000, got 5000', 'keys')).toBe(
      '--page-size: must be at most 1000, got 5000 (gRPC status 3)',
    );
    // Another command's fields, and a field that only starts a word of the message, stay.
    expect(refused('priority: must be between 0 and 9', 'keys')).toBe(
      'priority: must be between 0 and 9 (gRPC status 3)',
    );
    const tooLarge = { code: 8, details: 'payload: 2000000 bytes is over the limit of 1048576 bytes' };
    expect(describeCliError(tooLarge, { command: 'enqueue' })).toBe(
      "payload: 2000000 bytes is over the limit of 1048576 bytes (gRPC status 8); the limit is the server's --max-payload-bytes",
    );
    expect(isRefusedInput(tooLarge)).toBe(true);
    expect(isRefusedInput({ code: 3, details: 'x' })).toBe(true);
    expect(isRefusedInput({ code: 8, details: 'enqueue rate limit: …' })).toBe(false);
    expect(isRefusedInput({ code: 14, details: 'Redis unavailable' })).toBe(false);
  });

  it("names a payload the server's cap on one message refused, and its --max-payload-bytes", async () => {
    // What grpc-js answers a request over the server's receive cap, before codeQ reads it.
    const overCap = { code: 8, details: 'Received message larger than max (5000018 vs 4194304)' };
    const refusal = asPayloadRefusal(overCap, 'payload', 5_000_000);
    expect(refusal).toBeInstanceOf(OverMessageCapError);
    expect(describeCliError(refusal, { command: 'enqueue' })).toBe(
      "payload: 5000000 bytes is over the server's limit: its --max-payload-bytes is at most 3145728 bytes (it takes no request over 4194304 bytes; gRPC status 8)",
    );
    expect(isRefusedInput(refusal)).toBe(true);
    // A server whose --max-payload-bytes is 10 MiB takes 11 MiB in one message.
    const raised = { code: 8, details: 'Received message larger than max (12000100 vs 11534336)' };
    expect(String(asPayloadRefusal(raised, 'result', 12_000_000))).toMatch(
      /^OverMessageCapError: result: 12000000 bytes .* at most 10485760 bytes \(it takes no request over 11534336 bytes;/,
    );
    // carrying() says it of the call it wraps, and passes an answer through.
    const failed = Promise.reject(Object.assign(new Error(overCap.details), overCap));
    await expect(carrying('payload', 5_000_000, failed)).rejects.toBeInstanceOf(OverMessageCapError);
    expect(await carrying('payload', 5_000_000, Promise.resolve('id'))).toBe('id');
    // Bytes that do not explain it, and any other error, stay as they were.
    expect(asPayloadRefusal(overCap, 'payload', 10)).toBe(overCap);
    const limited = { code: 8, details: 'enqueue rate limit: …' };
    expect(asPayloadRefusal(limited, 'payload', 5_000_000)).toBe(limited);
    expect(isRefusedInput(overCap)).toBe(false);
  });

  it("says a batch's task over the payload limit is the server's --max-payload-bytes, and exits 2", () => {
    const inBatch = {
      code: 8,
      details: 'tasks[0].payload: 1100000 bytes is over the limit of 1048576 bytes',
    };
    expect(describeCliError(inBatch, { command: 'enqueue' })).toBe(
      "tasks[0].payload: 1100000 bytes is over the limit of 1048576 bytes (gRPC status 8); the limit is the server's --max-payload-bytes",
    );
    expect(isRefusedInput(inBatch)).toBe(true);
  });

  it('keeps what the server said, and plain messages', () => {
    expect(describeCliError({ code: 3, details: 'queue: must match …' })).toBe(
      'queue: must match … (gRPC status 3)',
    );
    expect(describeCliError(new Error('--wait: only with a single task'))).toBe(
      '--wait: only with a single task',
    );
  });
});

describe('workerLogSentence', () => {
  it('turns a stream that cannot connect into a sentence, and other fields into pairs', () => {
    expect(
      workerLogSentence(
        'still no Claim stream after 8 attempts',
        { attempt: 8, delayMs: 5299, ...refused, address: '127.0.0.1:1' },
        false,
      ),
    ).toBe(
      'cannot reach the server: connect ECONNREFUSED 127.0.0.1:1 (is codeq serve running at that address?); trying again in 5.3 s (attempt 8)',
    );
    expect(workerLogSentence('lease lost', { taskId: 't1', error: new Error('gone') }, false)).toBe(
      'lease lost (taskId t1, error gone)',
    );
    expect(workerLogSentence('draining', undefined, false)).toBe('draining');
  });
});

describe('quietIpServernameWarning', () => {
  const original = Object.getOwnPropertyDescriptor(process, 'emitWarning')!;
  afterEach(() => {
    Object.defineProperty(process, 'emitWarning', original);
  });

  it("drops Node's warning about an IP address as TLS server name, and no other", async () => {
    const seen: string[] = [];
    const listener = (w: Error & { code?: string }): void => void seen.push(w.code ?? w.name);
    process.on('warning', listener);
    try {
      quietIpServernameWarning();
      process.emitWarning('Setting the TLS ServerName to an IP address …', 'DeprecationWarning', 'DEP0123');
      process.emitWarning('something else', { type: 'DeprecationWarning', code: 'DEP0999' });
      process.emitWarning('an IP again', { type: 'DeprecationWarning', code: 'DEP0123' });
      await nextMacrotask();
    } finally {
      process.off('warning', listener);
    }
    expect(seen).toEqual(['DEP0999']);
  });
});

describe('describeListenError', () => {
  it('names the flag and the address of a listener that could not open', () => {
    const inUse = Object.assign(new Error('listen EADDRINUSE: address already in use 127.0.0.1:7071'), {
      code: 'EADDRINUSE',
    });
    expect(describeListenError(inUse, '--console-listen', '127.0.0.1:7071', ', or --no-console')).toBe(
      '--console-listen 127.0.0.1:7071: the address is in use (another codeq serve?); ' +
        'choose another port, or 0 for a free one, or --no-console',
    );
    // grpc-js keeps Node's error only in its own message.
    const grpc = new Error(
      'No address added out of total 1 resolved errors: [listen EADDRNOTAVAIL: address not available 10.9.9.9:7070]',
    );
    expect(describeListenError(grpc, '--listen', '10.9.9.9:7070')).toBe(
      '--listen 10.9.9.9:7070: no network interface of this machine has that address',
    );
  });

  it('leaves any other error to the caller, a file it may not read included', () => {
    expect(describeListenError(new Error('Redis unavailable'), '--listen', '127.0.0.1:7070')).toBeUndefined();
    const unreadable = Object.assign(new Error("EACCES: permission denied, open '/etc/codeq/key.pem'"), {
      code: 'EACCES',
    });
    expect(describeListenError(unreadable, '--console-listen', '127.0.0.1:7071')).toBeUndefined();
  });
});
