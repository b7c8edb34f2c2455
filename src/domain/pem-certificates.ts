import { X509Certificate } from 'node:crypto';

/** The opening line of every PEM block, with its label ("CERTIFICATE", "PRIVATE KEY"…). */
const PEM_BEGIN = /-----BEGIN ([A-Z0-9 ]+)-----/g;
/** The labels OpenSSL reads as a certificate. */
const CERTIFICATE_LABELS = new Set(['CERTIFICATE', 'X509 CERTIFICATE', 'TRUSTED CERTIFICATE']);

/** Each certificate block of `pem`, from its BEGIN line to its END line (or to the end of the text when it has none). */
function certificateBlocks(pem: string): string[] {
  const blocks: string[] = [];
  for (const m of pem.matchAll(PEM_BEGIN)) {
    if (!CERTIFICATE_LABELS.has(m[1]!)) continue;
    const end = `-----END ${m[1]}-----`;
    const at = pem.indexOf(end, m.index);
    blocks.push(at === -1 ? pem.slice(m.index) : pem.slice(m.index, at + end.length));
  }
  return blocks;
}

/**
 * Throws, naming `flag` and `path`, unless `pem` holds at least one PEM certificate and
 * every one parses. Node takes a CA file without a certificate (or with a broken one)
 * without a word, and a server given one refuses every client certificate: a CA file
 * must be checked for what it holds, not only for whether it loads.
 */
export function checkPemCertificates(pem: Buffer, path: string, flag: string): void {
  const text = pem.toString('latin1');
  const blocks = certificateBlocks(text);
  if (blocks.length === 0) {
    const labels = [...new Set([...text.matchAll(PEM_BEGIN)].map((m) => m[1]!))];
    const found = labels.length === 0 ? 'no PEM block at all' : `only ${labels.join(', ')}`;
    throw new Error(`${flag}: ${path} holds no PEM certificate (-----BEGIN CERTIFICATE-----): ${found}`);
  }
  blocks.forEach((block, i) => {
    try {
      new X509Certificate(block);
    } catch (err) {
      throw new Error(
        `${flag}: certificate ${i + 1} of ${blocks.length} in ${path} does not parse: ${(err as Error).message}`,
        { cause: err },
      );
    }
  });
}
