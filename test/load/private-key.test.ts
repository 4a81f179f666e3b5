import { createPrivateKey, createPublicKey, generateKeyPairSync, verify, webcrypto } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pkcs8PrivateKey } from '../../src/load/private-key.js';

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const pkcs1 = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
const pkcs8 = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const publicPem = createPublicKey(privateKey).export({ type: 'spki', format: 'pem' });
const sameKey = (pem: string | null) =>
  pem !== null && createPublicKey(createPrivateKey(pem)).export({ type: 'spki', format: 'pem' }) === publicPem;

describe('pkcs8PrivateKey', () => {
  it('converts the PKCS#1 key GitHub hands out to PKCS#8, the same key', () => {
    const out = pkcs8PrivateKey({ PRIVATE_KEY: pkcs1 });
    expect(out).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(sameKey(out)).toBe(true);
  });

  it('gives a key the JWT signer can use as it is: WebCrypto imports it as PKCS#8 and its signatures verify', async () => {
    const pem = pkcs8PrivateKey({ PRIVATE_KEY: pkcs1 })!;
    const der = Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
    const algorithm = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
    const key = await webcrypto.subtle.importKey('pkcs8', der, algorithm, false, ['sign']);
    const message = Buffer.from('header.payload');
    const signature = Buffer.from(await webcrypto.subtle.sign(algorithm.name, key, message));
    expect(verify('sha256', message, createPublicKey(privateKey), signature)).toBe(true);
  });

  it('reads the key the way Probot does: escaped newlines, base64, PRIVATE_KEY_PATH', () => {
    expect(sameKey(pkcs8PrivateKey({ PRIVATE_KEY: pkcs1.replace(/\n/g, '\\n') }))).toBe(true);
    expect(sameKey(pkcs8PrivateKey({ PRIVATE_KEY: Buffer.from(pkcs1).toString('base64') }))).toBe(true);
    const dir = mkdtempSync(join(tmpdir(), 'qg-key-'));
    writeFileSync(join(dir, 'app.pem'), pkcs1);
    expect(sameKey(pkcs8PrivateKey({ PRIVATE_KEY_PATH: join(dir, 'app.pem') }))).toBe(true);
  });

  it('leaves a PKCS#8 key as it is', () => {
    expect(pkcs8PrivateKey({ PRIVATE_KEY: pkcs8 })).toBe(pkcs8);
  });

  it('returns null for no key or a broken one, so Probot reports it in its own words', () => {
    const empty = mkdtempSync(join(tmpdir(), 'qg-nokey-'));
    const cwd = process.cwd();
    process.chdir(empty);
    try {
      expect(pkcs8PrivateKey({})).toBeNull();
    } finally {
      process.chdir(cwd);
    }
    expect(pkcs8PrivateKey({ PRIVATE_KEY: 'not a key' })).toBeNull();
    expect(
      pkcs8PrivateKey({ PRIVATE_KEY: '-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n' }),
    ).toBeNull();
  });
});
