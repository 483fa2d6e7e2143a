import assert from 'node:assert/strict';
import { createPrivateKey } from 'node:crypto';
import { generateSigningKeyPem, signingKeyResource } from './signing-key';

describe('signing keys', () => {
  it('generates a PKCS#8 PEM EC P-256 private key, different every time', () => {
    const pem = generateSigningKeyPem();
    assert.match(pem, /^-----BEGIN PRIVATE KEY-----\n[\s\S]+\n-----END PRIVATE KEY-----\n$/);
    const key = createPrivateKey(pem);
    assert.equal(key.asymmetricKeyType, 'ec');
    assert.equal(key.asymmetricKeyDetails?.namedCurve, 'prime256v1');
    assert.notEqual(generateSigningKeyPem(), pem);
  });

  it('wraps the key as base64 data of a GlobalSecret, or of a Secret when a mesh is given', () => {
    const pem = generateSigningKeyPem();
    const global = signingKeyResource(pem, 'user-token-signing-key-2', undefined);
    assert.deepEqual(Object.keys(global), ['type', 'name', 'spec']);
    assert.equal(global['type'], 'GlobalSecret');
    assert.equal(Buffer.from((global['spec'] as { data: string }).data, 'base64').toString('utf8'), pem);
    const secret = signingKeyResource(pem, 'dataplane-token-signing-key-1', 'demo');
    assert.deepEqual(secret, { type: 'Secret', mesh: 'demo', name: 'dataplane-token-signing-key-1', spec: { data: Buffer.from(pem).toString('base64') } });
  });
});
