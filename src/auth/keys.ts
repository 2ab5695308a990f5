// Keys for API tokens. Production configures the issuer's public key (JWT_PUBLIC_KEY). For local
// development a key pair is generated once into JWT_DEV_KEY_DIR, so that `npm run token` can
// mint tokens the local API accepts without any setup.
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { exportPKCS8, exportSPKI, generateKeyPair, importPKCS8, importSPKI, type CryptoKey } from 'jose';
import type { Config } from '../config';

type KeyConfig = Pick<Config, 'JWT_PUBLIC_KEY' | 'JWT_ALGORITHMS' | 'JWT_DEV_KEY_DIR'>;

const files = (dir: string) => ({ privateKey: path.join(dir, 'dev-private.pem'), publicKey: path.join(dir, 'dev-public.pem') });

/** The development key pair (ES256), created on first use. */
export async function ensureDevKeyPair(dir: string): Promise<{ privatePem: string; publicPem: string }> {
  const paths = files(dir);
  if (existsSync(paths.privateKey) && existsSync(paths.publicKey)) {
    return { privatePem: await readFile(paths.privateKey, 'utf8'), publicPem: await readFile(paths.publicKey, 'utf8') };
  }
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const privatePem = await exportPKCS8(privateKey);
  const publicPem = await exportSPKI(publicKey);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await writeFile(paths.privateKey, privatePem, { mode: 0o600 });
  await writeFile(paths.publicKey, publicPem);
  return { privatePem, publicPem };
}

export async function loadVerificationKey(config: KeyConfig): Promise<CryptoKey> {
  const algorithm = config.JWT_ALGORITHMS[0]!;
  if (!config.JWT_PUBLIC_KEY) return importSPKI((await ensureDevKeyPair(config.JWT_DEV_KEY_DIR)).publicPem, 'ES256');
  const pem = config.JWT_PUBLIC_KEY.includes('BEGIN') ? config.JWT_PUBLIC_KEY : await readFile(config.JWT_PUBLIC_KEY, 'utf8');
  return importSPKI(pem, algorithm);
}

export async function loadDevSigningKey(dir: string): Promise<CryptoKey> {
  return importPKCS8((await ensureDevKeyPair(dir)).privatePem, 'ES256');
}
