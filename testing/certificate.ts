import { execFileSync } from 'node:child_process';
import { createHash, createPublicKey } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/** A self-signed TLS certificate for 127.0.0.1 and localhost, as PEM files in a temporary folder. */
export interface TestCertificate {
  keyFile: string;
  certFile: string;
  key: Buffer;
  cert: Buffer;
  /** Base64 SHA-256 of the certificate's public key (SPKI), as Chromium's `--ignore-certificate-errors-spki-list` takes it. */
  spkiHash: string;
  remove(): Promise<void>;
}

/**
 * Makes a fresh self-signed certificate (P-256, one day) with the openssl command line, valid for
 * the names a test connects to (`127.0.0.1`, `localhost`), so clients that are told to trust it
 * verify it as they would a real one, host name included.
 */
export async function makeCertificate(): Promise<TestCertificate> {
  const folder = await mkdtemp(path.join(os.tmpdir(), 'test-cert-'));
  const keyFile = path.join(folder, 'key.pem');
  const certFile = path.join(folder, 'cert.pem');
  // biome-ignore format: the openssl arguments read best in their pairs.
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
    '-keyout', keyFile, '-out', certFile, '-days', '1', '-subj', '/CN=127.0.0.1',
    '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
  ], { stdio: 'ignore' });
  const cert = await readFile(certFile);
  const spki = createPublicKey(cert).export({ type: 'spki', format: 'der' });
  return {
    keyFile,
    certFile,
    key: await readFile(keyFile),
    cert,
    spkiHash: createHash('sha256').update(spki).digest('base64'),
    remove: () => rm(folder, { recursive: true, force: true }),
  };
}
