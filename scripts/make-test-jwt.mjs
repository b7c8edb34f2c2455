#!/usr/bin/env node
// Makes a JWKS and signs a JWT with it, for trying codeQ's JWT authentication without an
// identity provider: `codeq serve --auth-jwks-file DIR/jwks.json` trusts the key, and the
// printed token goes to clients as CODEQ_TOKEN. The signing key (ES256) stays in
// DIR/signing-key.json and is reused by later runs, so tokens can be minted at any time.
// Not for production: a real identity provider keeps its keys to itself.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { SignJWT, exportJWK, generateKeyPair, importJWK } from 'jose';

const HELP = `usage: node scripts/make-test-jwt.mjs --scope SCOPES [options]

Prints a JWT signed by the key in DIR (made on the first run, with DIR/jwks.json to pass
to codeq serve --auth-jwks-file).

  --dir DIR          where the key and jwks.json live (default ./test-jwks)
  --scope SCOPES     space-separated SCOPE:PATTERN grants,
                     e.g. 'enqueue:billing.* read:billing.*'
  --sub NAME         the caller's name and worker id (default test-client)
  --aud AUDIENCE     aud claim; match --auth-jwt-audience (default codeq)
  --iss ISSUER       iss claim; match --auth-jwt-issuer (default codeq-test-issuer)
  --expires-in SPAN  lifetime, as jose reads it: 30m, 2h, 1d (default 1h)
  -h, --help         show this help`;

/** Where a refusal of the command line points the reader. */
const SEE_HELP = 'node scripts/make-test-jwt.mjs --help';

/** Says what is wrong with the command line, in one line, and exits 2. */
function refuse(message) {
  console.error(`make-test-jwt: ${message}`);
  process.exit(2);
}

let values;
try {
  ({ values } = parseArgs({
    options: {
      dir: { type: 'string', default: 'test-jwks' },
      scope: { type: 'string' },
      sub: { type: 'string', default: 'test-client' },
      aud: { type: 'string', default: 'codeq' },
      iss: { type: 'string', default: 'codeq-test-issuer' },
      'expires-in': { type: 'string', default: '1h' },
      help: { type: 'boolean', short: 'h' },
    },
  }));
} catch (err) {
  // Node's text for an unknown option goes on about positionals starting with '-'.
  if (typeof err?.code !== 'string' || !err.code.startsWith('ERR_PARSE_ARGS_')) throw err;
  const unknown = /^Unknown option '([^']+)'/.exec(err.message);
  refuse(
    unknown
      ? `unknown option ${unknown[1]} (${SEE_HELP} lists the options)`
      : `${err.message.replace(/\.$/, '')} (see ${SEE_HELP})`,
  );
}
if (values.help) {
  console.log(HELP);
  process.exit(0);
}
if (!values.scope) {
  console.error(`--scope: required\n\n${HELP}`);
  process.exit(2);
}
// Checked before a key is made: jose reads the span only when it signs.
try {
  new SignJWT({}).setExpirationTime(values['expires-in']);
} catch {
  refuse(
    `--expires-in: expected a span such as 30m, 2h or 1d, got ${JSON.stringify(values['expires-in'])} (see ${SEE_HELP})`,
  );
}

const ALG = 'ES256';
const keyFile = join(values.dir, 'signing-key.json');
const jwksFile = join(values.dir, 'jwks.json');
if (!existsSync(keyFile)) {
  mkdirSync(values.dir, { recursive: true });
  const { privateKey, publicKey } = await generateKeyPair(ALG, { extractable: true });
  const kid = `test-${Date.now().toString(36)}`;
  writeFileSync(keyFile, JSON.stringify({ ...(await exportJWK(privateKey)), kid, alg: ALG }), {
    mode: 0o600,
  });
  const jwk = { ...(await exportJWK(publicKey)), kid, alg: ALG, use: 'sig' };
  writeFileSync(jwksFile, `${JSON.stringify({ keys: [jwk] }, null, 2)}\n`);
  console.error(`made a signing key in ${keyFile}; trust it with --auth-jwks-file ${jwksFile}`);
}
const jwk = JSON.parse(readFileSync(keyFile, 'utf8'));
const token = await new SignJWT({ scope: values.scope })
  .setProtectedHeader({ alg: ALG, kid: jwk.kid })
  .setSubject(values.sub)
  .setAudience(values.aud)
  .setIssuer(values.iss)
  .setIssuedAt()
  .setExpirationTime(values['expires-in'])
  .sign(await importJWK(jwk, ALG));
console.log(token);
