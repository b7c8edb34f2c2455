import { readFileSync } from 'node:fs';
import { createSecureContext, type SecureContextOptions } from 'node:tls';
import { credentials, type ChannelCredentials } from '@grpc/grpc-js';
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
 * Channel credentials from the client TLS flags. The files are read and loaded one flag at
 * a time, so that a file that cannot be read or a key that is not the certificate's is a
 * usage error naming the flag typed (the client library's `tlsCredentials` names its
 * options, `caFile`, or nothing at all: an OpenSSL "key values mismatch"); the credentials
 * are made from the bytes checked.
 */
export function clientTlsCredentials(files: ClientTlsFiles): ChannelCredentials {
  const ca = files.ca === undefined ? null : readFlagFile(files.ca, '--tls-ca');
  if (ca) checkCaFile(ca, files.ca!);
  const cert = files.cert === undefined ? null : readFlagFile(files.cert, '--tls-client-cert');
  const key = files.key === undefined ? null : readFlagFile(files.key, '--tls-client-key');
  if (cert) checkLoads({ cert }, '--tls-client-cert', `${files.cert} does not load as a PEM certificate`);
  if (key) checkLoads({ key }, '--tls-client-key', `${files.key} does not load as a PEM private key`);
  if (cert && key) checkLoads({ cert, key }, '--tls-client-cert, --tls-client-key', 'do not load together');
  return credentials.createSsl(ca, key, cert);
}
