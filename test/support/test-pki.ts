// Certificates for the TLS tests, made at test time with @peculiar/x509 on
// Node's own WebCrypto: ECDSA P-256 keys take milliseconds and no openssl
// binary has to be on the machine. @peculiar/x509 resolves its algorithms
// through tsyringe, which needs the Reflect metadata polyfill loaded first.
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY_MS = 86_400_000;

/** PemPair is a certificate and its private key, PEM-encoded. */
export interface PemPair {
  cert: string;
  key: string;
}

/** TestCa is a certificate authority that issues leaf certificates. */
export interface TestCa {
  /** cert is the CA certificate (PEM), what peers trust. */
  cert: string;
  /** issue signs a certificate for `commonName`, valid for TLS servers and clients, with DNS and IP subject alternative names. */
  issue(commonName: string, names?: { dns?: string[]; ip?: string[] }): Promise<PemPair>;
}

let serial = 1;

/** createTestCa makes a fresh CA, valid for a day. */
export async function createTestCa(name = 'mesh test CA'): Promise<TestCa> {
  const keys = (await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify'])) as CryptoKeyPair;
  const notBefore = new Date(Date.now() - 60_000);
  const notAfter = new Date(Date.now() + DAY_MS);
  const caCert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: (serial++).toString(16).padStart(2, '0'),
    name: `CN=${name}`,
    notBefore,
    notAfter,
    keys,
    signingAlgorithm: ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return {
    cert: caCert.toString('pem'),
    async issue(commonName, names = {}) {
      const leafKeys = (await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify'])) as CryptoKeyPair;
      const altNames = [...(names.dns ?? []).map((value) => ({ type: 'dns' as const, value })), ...(names.ip ?? []).map((value) => ({ type: 'ip' as const, value }))];
      const cert = await x509.X509CertificateGenerator.create({
        serialNumber: (serial++).toString(16).padStart(2, '0'),
        subject: `CN=${commonName}`,
        issuer: caCert.subject,
        notBefore,
        notAfter,
        signingKey: keys.privateKey,
        publicKey: leafKeys.publicKey,
        signingAlgorithm: ALGORITHM,
        extensions: [
          new x509.BasicConstraintsExtension(false, undefined, true),
          new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyAgreement, true),
          new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]),
          ...(altNames.length > 0 ? [new x509.SubjectAlternativeNameExtension(altNames)] : []),
          await x509.AuthorityKeyIdentifierExtension.create(caCert),
        ],
      });
      const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', leafKeys.privateKey);
      return { cert: cert.toString('pem'), key: x509.PemConverter.encode(pkcs8, 'PRIVATE KEY') };
    },
  };
}

/** LOCALHOST_NAMES are the names a test server is reached by. */
export const LOCALHOST_NAMES = { dns: ['localhost'], ip: ['127.0.0.1'] };
