import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import { experimental, type ServerCredentials } from '@grpc/grpc-js';
import { checkPemCertificates } from '../../domain/pem-certificates.js';

/** PEM files of a TLS server; `clientCaFile` turns on mutual TLS. */
export interface TlsFiles {
  certFile: string;
  keyFile: string;
  clientCaFile?: string | undefined;
}

type IdentityListener = experimental.IdentityCertificateUpdateListener;
type CaListener = experimental.CaCertificateUpdateListener;

function read(path: string, flag: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new Error(`${flag}: cannot read ${path}: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * The client-CA file, checked for certificates: createSecureContext takes a `ca` with none
 * (a text file, a private key), and the server would then refuse every client certificate.
 */
function readClientCa(path: string): Buffer {
  const pem = read(path, '--tls-client-ca');
  checkPemCertificates(pem, path, '--tls-client-ca');
  return pem;
}

/**
 * A grpc-js certificate provider over PEM files that are read again only when asked
 * (SIGHUP), not polled. A set that does not load (unreadable file, key not matching the
 * certificate, a client-CA file without a certificate) is refused and the set in force
 * stays: a half-written renewal must not take the listener down.
 */
export class ReloadableCertificates implements experimental.CertificateProvider {
  #identity!: experimental.IdentityCertificateUpdate;
  #ca: experimental.CaCertificateUpdate | null = null;
  readonly #identityListeners = new Set<IdentityListener>();
  readonly #caListeners = new Set<CaListener>();
  readonly #files: TlsFiles;

  constructor(files: TlsFiles) {
    this.#files = files;
    this.reload();
  }

  /** Reads the files again and hands them to the server; throws naming the file when they do not load. */
  reload(): void {
    const certificate = read(this.#files.certFile, '--tls-cert');
    const privateKey = read(this.#files.keyFile, '--tls-key');
    const caCertificate = this.#files.clientCaFile ? readClientCa(this.#files.clientCaFile) : undefined;
    try {
      createSecureContext({
        cert: certificate,
        key: privateKey,
        ...(caCertificate && { ca: caCertificate }),
      });
    } catch (err) {
      throw new Error(
        `--tls-cert, --tls-key${caCertificate ? ', --tls-client-ca' : ''}: do not load together: ${(err as Error).message}`,
        { cause: err },
      );
    }
    this.#identity = { certificate, privateKey };
    this.#ca = caCertificate ? { caCertificate } : null;
    for (const listener of this.#caListeners) listener(this.#ca);
    for (const listener of this.#identityListeners) listener(this.#identity);
  }

  // grpc-js subscribes before it registers the server that waits for the update, so
  // the current files are handed over on the next microtask, not during the subscription.
  addCaCertificateListener(listener: CaListener): void {
    this.#caListeners.add(listener);
    queueMicrotask(() => {
      if (this.#caListeners.has(listener)) listener(this.#ca);
    });
  }

  removeCaCertificateListener(listener: CaListener): void {
    this.#caListeners.delete(listener);
  }

  addIdentityCertificateListener(listener: IdentityListener): void {
    this.#identityListeners.add(listener);
    queueMicrotask(() => {
      if (this.#identityListeners.has(listener)) listener(this.#identity);
    });
  }

  removeIdentityCertificateListener(listener: IdentityListener): void {
    this.#identityListeners.delete(listener);
  }
}

/** Server credentials serving TLS (mutual TLS with a client CA) from files, and the provider that reloads them. */
export function tlsServerCredentials(files: TlsFiles): {
  credentials: ServerCredentials;
  certificates: ReloadableCertificates;
} {
  const certificates = new ReloadableCertificates(files);
  const mutual = Boolean(files.clientCaFile);
  // grpc-js 1.14 declares the first two parameters as (ca, identity) but uses them as
  // (identity, ca); one provider serving both makes the order moot.
  const credentials = experimental.createCertificateProviderServerCredentials(
    certificates,
    mutual ? certificates : null,
    mutual,
  );
  return { credentials, certificates };
}
