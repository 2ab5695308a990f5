// Blob store for large data (HTML, images, extracted JSON, LLM text): workflows pass its keys,
// never the bytes. Keys are content-addressed, so writing the same bytes twice is a no-op and
// a retried activity never duplicates anything. Local directory by default; the interface is
// what an S3-compatible implementation would provide.
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { permanent } from '../errors';

export interface StoredBlob {
  key: string;
  bytes: number;
}

export interface BlobStore {
  /** Stores the bytes under `<prefix>/<sha256>.<ext>` and returns the key. */
  put(prefix: string, ext: string, data: Buffer | string): Promise<StoredBlob>;
  get(key: string): Promise<Buffer>;
  getJson<T>(key: string): Promise<T>;
  putJson(prefix: string, value: unknown): Promise<StoredBlob>;
}

const KEY = /^[a-z0-9-]+(\/[a-z0-9-]+)*\/[0-9a-f]{64}\.[a-z0-9]+$/;

export function createLocalBlobStore(root: string): BlobStore {
  const dir = path.resolve(root);
  const fileOf = (key: string) => {
    if (!KEY.test(key)) throw permanent('InvalidBlobKey', `not a blob key: ${key}`);
    return path.join(dir, key);
  };

  const store: BlobStore = {
    async put(prefix, ext, data) {
      const buffer = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
      const key = `${prefix}/${createHash('sha256').update(buffer).digest('hex')}.${ext}`;
      const file = fileOf(key);
      const exists = await stat(file).then(
        () => true,
        () => false,
      );
      if (!exists) {
        await mkdir(path.dirname(file), { recursive: true });
        // Write then rename: readers never see a half-written blob.
        const temp = `${file}.${process.pid}.${Date.now()}.tmp`;
        await writeFile(temp, buffer);
        await rename(temp, file);
      }
      return { key, bytes: buffer.length };
    },
    async get(key) {
      try {
        return await readFile(fileOf(key));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw permanent('BlobNotFound', `blob ${key} does not exist`);
        throw error;
      }
    },
    async getJson<T>(key: string) {
      return JSON.parse((await store.get(key)).toString('utf8')) as T;
    },
    putJson(prefix, value) {
      return store.put(prefix, 'json', JSON.stringify(value));
    },
  };
  return store;
}
