import { GetObjectCommand } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { NotFoundError, ValidationError } from '../../shared/errors.ts';
import { S3PayloadStore } from '../../shared/payloads/s3-payload-store.ts';
import type { TestResources } from '../helpers/aws.ts';
import { freshResources } from '../helpers/aws.ts';

describe('S3PayloadStore', () => {
  let res: TestResources;
  let store: S3PayloadStore;

  beforeAll(async () => {
    res = await freshResources('payloads-s3');
    store = new S3PayloadStore({ client: res.clients.s3, bucket: res.bucketName });
  });

  it('keeps a 2 MiB payload and reads it back byte for byte', async () => {
    // Prepare: not one repeated character, so that a truncation or a shuffle shows
    const body = JSON.stringify({
      data: Array.from({ length: (2 * 1024 * 1024) / 8 }, (_, i) => i.toString(16).padStart(8, '0')).join(''),
      note: 'émoji ✓ – utf-8',
    });

    // Act
    const ref = await store.put('deliveries/job/01JBIG.json', body);
    const read = await store.get(ref);
    const object = await res.clients.s3.send(
      new GetObjectCommand({ Bucket: res.bucketName, Key: 'deliveries/job/01JBIG.json' }),
    );

    // Assess
    expect(Buffer.byteLength(body)).toBeGreaterThan(2 * 1024 * 1024);
    expect(ref).toBe(`s3://${res.bucketName}/deliveries/job/01JBIG.json`);
    expect(read).toBe(body);
    expect(object.ContentType).toBe('application/json');
  });

  it('refuses a reference to another bucket or in another form', async () => {
    await expect(store.get('s3://someone-elses-bucket/key.json')).rejects.toThrow(ValidationError);
    await expect(store.get(`https://${res.bucketName}.s3.amazonaws.com/key.json`)).rejects.toThrow(
      ValidationError,
    );
    await expect(store.get(`s3://${res.bucketName}/`)).rejects.toThrow(ValidationError);
  });

  it('answers NotFoundError for a key that is not there', async () => {
    await expect(store.get(`s3://${res.bucketName}/missing.json`)).rejects.toThrow(NotFoundError);
  });

  it('refuses an empty key', async () => {
    await expect(store.put('', '{}')).rejects.toThrow(ValidationError);
  });
});
