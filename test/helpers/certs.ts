// Test-only certificates made in memory: a CA, a server certificate for localhost, a client
// certificate it signed, and a client certificate from an unrelated CA. Keys come from node:crypto
// (fast, native); node-forge writes the X.509 structures (no openssl binary needed).
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import forge from 'node-forge';

export interface KeyAndCert {
  key: string;
  cert: string;
}

export interface TestPki {
  ca: KeyAndCert;
  server: KeyAndCert;
  client: KeyAndCert;
  rogueClient: KeyAndCert;
  /** A directory with tls.key, tls.crt and ca.crt for the server. */
  serverDir: string;
}

function keyPair(): { privatePem: string; publicPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

let serial = 1;

function certificate(
  subjectCn: string,
  publicPem: string,
  issuer: { cn: string; privatePem: string },
  extensions: object[],
): string {
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicPem);
  cert.serialNumber = (serial++).toString(16).padStart(2, '0');
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + 24 * 3600_000);
  cert.setSubject([{ name: 'commonName', value: subjectCn }]);
  cert.setIssuer([{ name: 'commonName', value: issuer.cn }]);
  cert.setExtensions(extensions);
  cert.sign(forge.pki.privateKeyFromPem(issuer.privatePem), forge.md.sha256.create());
  return forge.pki.certificateToPem(cert);
}

function makeCa(cn: string): { cn: string; privatePem: string; cert: string } {
  const keys = keyPair();
  const cert = certificate(cn, keys.publicPem, { cn, privatePem: keys.privatePem }, [
    { name: 'basicConstraints', cA: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true },
  ]);
  return { cn, privatePem: keys.privatePem, cert };
}

function leaf(cn: string, ca: { cn: string; privatePem: string }, usage: 'server' | 'client'): KeyAndCert {
  const keys = keyPair();
  const extensions: object[] = [
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
    { name: 'extKeyUsage', serverAuth: usage === 'server', clientAuth: usage === 'client' },
  ];
  if (usage === 'server') {
    extensions.push({ name: 'subjectAltName', altNames: [{ type: 2, value: 'localhost' }, { type: 7, ip: '127.0.0.1' }] });
  }
  return { key: keys.privatePem, cert: certificate(cn, keys.publicPem, ca, extensions) };
}

export function makeTestPki(): TestPki {
  const ca = makeCa('modelplane-test-ca');
  const rogueCa = makeCa('someone-else-ca');
  const server = leaf('function-modelplane', ca, 'server');
  const client = leaf('crossplane', ca, 'client');
  const rogueClient = leaf('intruder', rogueCa, 'client');
  const serverDir = mkdtempSync(join(tmpdir(), 'modelplane-tls-'));
  writeFileSync(join(serverDir, 'tls.key'), server.key);
  writeFileSync(join(serverDir, 'tls.crt'), server.cert);
  writeFileSync(join(serverDir, 'ca.crt'), ca.cert);
  return { ca: { key: ca.privatePem, cert: ca.cert }, server, client, rogueClient, serverDir };
}
