import { generateKeyPairSync } from 'node:crypto';

/** A fresh ES256 (EC P-256) private key as PKCS#8 PEM, the format the control plane's token signing keys use. */
export function generateSigningKeyPem(): string {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}

/** A Secret (with `mesh`) or GlobalSecret (without) resource holding `pem` as base64 `spec.data`. */
export function signingKeyResource(pem: string, name: string, mesh: string | undefined): Record<string, unknown> {
  const data = Buffer.from(pem, 'utf8').toString('base64');
  return mesh === undefined ? { type: 'GlobalSecret', name, spec: { data } } : { type: 'Secret', mesh, name, spec: { data } };
}
