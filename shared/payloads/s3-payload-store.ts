import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';
import { NotFoundError, ServiceUnavailableError, ValidationError } from '../errors.ts';
import type { PayloadStore } from '../ports.ts';

const REF_PATTERN = /^s3:\/\/([^/]+)\/(.+)$/s;
/** S3's limit on a key, in UTF-8 bytes. */
const MAX_KEY_BYTES = 1024;

const UNAVAILABLE = new Set(['NoSuchBucket', 'SlowDown', 'ServiceUnavailable', 'InternalError']);

const payloadError = (e: unknown, operation: string): unknown => {
  if (e instanceof Error && UNAVAILABLE.has(e.name)) {
    const err = new ServiceUnavailableError(`payload store unavailable (${operation})`);
    err.cause = e;
    return err;
  }
  return e;
};

export interface S3PayloadStoreOptions {
  client: S3Client;
  bucket: string;
}

/**
 * Claim check on S3 for payloads too large for the table or a queue message:
 * `put` answers an `s3://<bucket>/<key>` reference, `get` reads it back.
 */
export class S3PayloadStore implements PayloadStore {
  readonly #s3: S3Client;
  readonly #bucket: string;

  constructor(options: S3PayloadStoreOptions) {
    this.#s3 = options.client;
    this.#bucket = options.bucket;
  }

  async put(key: string, body: string): Promise<string> {
    const keyBytes = Buffer.byteLength(key, 'utf8');
    if (keyBytes === 0 || keyBytes > MAX_KEY_BYTES) {
      throw new ValidationError(`payload key must be 1 to ${MAX_KEY_BYTES} bytes`, 'invalid_payload_key');
    }
    try {
      await this.#s3.send(
        new PutObjectCommand({
          Bucket: this.#bucket,
          Key: key,
          Body: body,
          ContentType: 'application/json',
        }),
      );
    } catch (e) {
      throw payloadError(e, 'put');
    }
    return `s3://${this.#bucket}/${key}`;
  }

  /** The key a reference names, in our own bucket. */
  #keyOf(ref: string): string {
    const match = REF_PATTERN.exec(ref);
    const bucket = match?.[1];
    const key = match?.[2];
    if (bucket === undefined || key === undefined) {
      throw new ValidationError('payload reference is not s3://<bucket>/<key>', 'invalid_payload_ref');
    }
    // A reference only ever points into our own bucket; anything else was not written by us.
    if (bucket !== this.#bucket) {
      throw new ValidationError('payload reference names another bucket', 'invalid_payload_ref');
    }
    return key;
  }

  async get(ref: string): Promise<string> {
    const key = this.#keyOf(ref);
    const bucket = this.#bucket;
    try {
      const out = await this.#s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      if (out.Body === undefined) throw new NotFoundError(`payload ${key} has no body`);
      return await out.Body.transformToString('utf-8');
    } catch (e) {
      if (e instanceof Error && e.name === 'NoSuchKey') throw new NotFoundError(`payload ${key} not found`);
      throw payloadError(e, 'get');
    }
  }

  /**
   * A GET of the object's first byte: as cheap as a HEAD, and no second
   * command in every function's bundle (ingest and the worker share this
   * store). S3 answers a missing key 404 only to a caller allowed
   * `s3:ListBucket` on the bucket (403 otherwise, thrown here).
   */
  async exists(ref: string): Promise<boolean> {
    const key = this.#keyOf(ref);
    try {
      const out = await this.#s3.send(
        new GetObjectCommand({ Bucket: this.#bucket, Key: key, Range: 'bytes=0-0' }),
      );
      // Its one byte read, the connection goes back to the pool.
      await out.Body?.transformToString('utf-8');
      return true;
    } catch (e) {
      if (e instanceof Error && e.name === 'NoSuchKey') return false;
      // An empty object has no first byte.
      if (e instanceof Error && e.name === 'InvalidRange') return true;
      throw payloadError(e, 'exists');
    }
  }
}
