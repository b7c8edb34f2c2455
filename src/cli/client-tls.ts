import { readFileSync } from 'node:fs';
import { createSecureContext, type SecureContextOptions } from 'node:tls';
import type { ChannelCredentials } from '@grpc/grpc-js';
import { tlsCredentials } from '../../clients/index.js';
import { UsageError } from '../config/usage-error.js';
import { checkPemCertificates } from '../domain/pem-certificates.js';

/** The PEM files of `--tls-ca`, `--tls-client-cert` and `--tls-client-key`. */
export interface ClientTlsFiles {
  ca?: string | undefined;
  cert?: string | undefined;
  key?: string | undefined;
}

function readFlagFile(path: string, flag: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new UsageError(`${flag}: cannot read ${path}: ${(err as Error).message}`, { cause: err });
  }
}

/** Throws a UsageError naming `flags` when `options` do not make a TLS context. */
function checkLoads(options: SecureContextOptions, flags: string, what: string): void {
  try {
    createSecureContext(options);
  } catch (err) {
    throw new UsageError(`${flags}: ${what}: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * Node takes a CA file without a certificate (a text file, a private key) without a word,
 * and the command would then trust no server: the file is checked for what it holds.
 */
function checkCaFile(pem: Buffer, path: string): void {
  try {
    checkPemCertificates(pem, path, '--tls-ca');
  } catch (err) {
    throw new UsageError((err as Error).message, { cause: err });
  }
}

/**
 * Reads and loads the client's TLS files one flag at a time, so that a file that cannot
 * be read or a key that is not the certificate's is a usage error naming the flag typed.
 * The client library's own errors name its options (`caFile`) or nothing at all (an
 * OpenSSL "key values mismatch").
 */
function checkClientTlsFiles(files: ClientTlsFiles): void {
  if (files.ca !== undefined) checkCaFile(readFlagFile(files.ca, '--tls-ca'), files.ca);
  const cert = files.cert === undefined ? undefined : readFlagFile(files.cert, '--tls-client-cert');
  const key = files.key === undefined ? undefined : readFlagFile(files.key, '--tls-client-key');
  if (cert) checkLoads({ cert }, '--tls-client-cert', `${files.cert} does not load as a PEM certificate`);
  if (key) checkLoads({ key }, '--tls-client-key', `${files.key} does not load as a PEM private key`);
  if (cert && key) checkLoads({ cert, key }, '--tls-client-cert, --tls-client-key', 'do not load together');
}

/** Channel credentials from the client TLS flags; a bad file is a UsageError naming its flag. */
export function clientTlsCredentials(files: ClientTlsFiles): ChannelCredentials {
  checkClientTlsFiles(files);
  return tlsCredentials({ caFile: files.ca, certFile: files.cert, keyFile: files.key });
}
