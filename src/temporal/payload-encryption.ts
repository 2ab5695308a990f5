// Payloads at rest: a Temporal PayloadCodec that encrypts every payload (workflow and activity
// inputs and results, signals, queries, updates, heartbeats, failure messages) with AES-256-GCM
// before it leaves the process, so Temporal's history holds ciphertext only. The whole original
// payload (its metadata and data) is serialised as a protobuf Payload and encrypted; the outer
// payload names the key it was encrypted with, so keys can rotate: every key of the keyring
// decrypts, one key encrypts.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';

export interface PayloadEncryptionKey {
  id: string;
  /** 32 bytes (AES-256). */
  key: Buffer;
}

const IV_BYTES = 12; // 96-bit nonce, fresh and random for every payload
const TAG_BYTES = 16;
const utf8 = new TextEncoder();
const text = new TextDecoder();

/** Why a stored payload cannot be read back; the codec server answers these with 422. */
export class PayloadCodecError extends Error {
  constructor(
    /** Stable type name: 'PayloadKeyUnknown' or 'PayloadDecryptionFailed'. */
    readonly type: 'PayloadKeyUnknown' | 'PayloadDecryptionFailed',
    message: string,
    readonly keyId?: string,
  ) {
    super(message);
    this.name = type;
  }
}

/** The payload names a key id this process does not hold (a key removed too early, or another deployment's). */
export class PayloadKeyUnknown extends PayloadCodecError {
  constructor(keyId: string, known: readonly string[]) {
    super(
      'PayloadKeyUnknown',
      `payload was encrypted with key "${keyId}", which is not in PAYLOAD_ENCRYPTION_KEYS (${known.length ? `known: ${known.join(', ')}` : 'no keys configured'})`,
      keyId,
    );
  }
}

/** The ciphertext does not authenticate under the named key (tampered, truncated, or a different key with the same id). */
export class PayloadDecryptionFailed extends PayloadCodecError {
  constructor(keyId: string | undefined, reason: string) {
    super('PayloadDecryptionFailed', `payload cannot be decrypted${keyId ? ` with key "${keyId}"` : ''}: ${reason}`, keyId);
  }
}

export function isEncrypted(payload: Payload): boolean {
  const encoding = payload.metadata?.encoding;
  return encoding !== undefined && encoding !== null && text.decode(encoding) === ENCRYPTED_ENCODING;
}

/** The key id an encrypted payload names (undefined for a plain payload). */
export function keyIdOf(payload: Payload): string | undefined {
  const id = payload.metadata?.[KEY_ID_METADATA];
  return isEncrypted(payload) && id ? text.decode(id) : undefined;
}

/** Binds the ciphertext to its key id: moving a payload's metadata to another key fails authentication. */
const associatedData = (keyId: string) => Buffer.from(`magicai-payload/v1/${keyId}`, 'utf8');

export class PayloadEncryptionCodec implements PayloadCodec {
  private readonly keys: ReadonlyMap<string, Buffer>;

  constructor(
    keys: readonly PayloadEncryptionKey[],
    /** The key new payloads are encrypted with. */
    readonly currentKeyId: string,
  ) {
    for (const { id, key } of keys) {
      if (key.length !== 32) throw new RangeError(`payload encryption key "${id}" must be 32 bytes, not ${key.length}`);
    }
    this.keys = new Map(keys.map(({ id, key }) => [id, key]));
    if (!this.keys.has(currentKeyId)) throw new RangeError(`the current payload encryption key "${currentKeyId}" is not in the keyring`);
  }

  get keyIds(): string[] {
    return [...this.keys.keys()];
  }

  encode(payloads: Payload[]): Promise<Payload[]> {
    return Promise.resolve().then(() => payloads.map((payload) => this.encrypt(payload)));
  }

  /** Plain payloads pass through (history written before encryption was turned on stays readable). */
  decode(payloads: Payload[]): Promise<Payload[]> {
    return Promise.resolve().then(() => payloads.map((payload) => (isEncrypted(payload) ? this.decrypt(payload) : payload)));
  }

  encrypt(payload: Payload): Payload {
    const keyId = this.currentKeyId;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.keys.get(keyId)!, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(associatedData(keyId));
    const plain = temporal.api.common.v1.Payload.encode(payload).finish();
    const sealed = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
    return {
      metadata: { encoding: utf8.encode(ENCRYPTED_ENCODING), [KEY_ID_METADATA]: utf8.encode(keyId) },
      data: new Uint8Array(sealed),
    };
  }

  decrypt(payload: Payload): Payload {
    const keyId = keyIdOf(payload);
    if (!keyId) throw new PayloadDecryptionFailed(undefined, `metadata "${KEY_ID_METADATA}" is missing`);
    const key = this.keys.get(keyId);
    if (!key) throw new PayloadKeyUnknown(keyId, this.keyIds);
    const sealed = Buffer.from(payload.data ?? new Uint8Array());
    if (sealed.length < IV_BYTES + TAG_BYTES) throw new PayloadDecryptionFailed(keyId, 'the data is too short to be AES-GCM ciphertext');
    const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES });
    decipher.setAAD(associatedData(keyId));
    decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
    let plain: Buffer;
    try {
      plain = Buffer.concat([decipher.update(sealed.subarray(IV_BYTES, sealed.length - TAG_BYTES)), decipher.final()]);
    } catch {
      throw new PayloadDecryptionFailed(keyId, 'authentication failed (tampered data, or another key with this id)');
    }
    return temporal.api.common.v1.Payload.decode(plain);
  }
}
