import { Readable } from 'node:stream';
import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway } from '../../src/local/gateway';
import { createLocalS3 } from '../../src/local/s3';
import { createLocalSts } from '../../src/local/sts';

/**
 * The local S3 with the real SDK client, path-style, behind the stack's gateway (next to STS, the
 * other service told apart by its signing name): the four operations and their errors.
 */

const s3 = createLocalS3({ now: () => Date.UTC(2026, 0, 1) });
s3.createBucket('reports');
const gateway = createGateway([
  { name: 'sts', signingName: 'sts', handle: createLocalSts({ accountId: '123456789012' }).handle },
  { name: 's3', signingName: 's3', handle: s3.handle },
]);
let client: S3Client;

beforeAll(async () => {
  const url = await gateway.listen();
  client = new S3Client({
    endpoint: url,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
});

afterAll(async () => {
  client.destroy();
  await gateway.close();
});

/** The error an SDK call fails with: its name and HTTP status. */
async function failure(call: () => Promise<unknown>) {
  try {
    await call();
  } catch (error) {
    const e = error as Error & { $metadata?: { httpStatusCode?: number } };
    return { name: e.name, status: e.$metadata?.httpStatusCode };
  }
  throw new Error('the call succeeded');
}

describe('the local S3', () => {
  it('stores an object and gives it back with its content type, ETag and length', async () => {
    // Act
    await client.send(
      new PutObjectCommand({
        Bucket: 'reports',
        Key: 'reports/t/a b.jsonl',
        Body: '{"x":"é"}\n',
        ContentType: 'application/x-ndjson',
      }),
    );
    const got = await client.send(new GetObjectCommand({ Bucket: 'reports', Key: 'reports/t/a b.jsonl' }));
    const head = await client.send(new HeadObjectCommand({ Bucket: 'reports', Key: 'reports/t/a b.jsonl' }));

    // Assess
    expect(await got.Body?.transformToString()).toBe('{"x":"é"}\n');
    expect(got.ContentType).toBe('application/x-ndjson');
    expect(head.ContentLength).toBe(Buffer.byteLength('{"x":"é"}\n'));
    expect(head.ETag).toBe(got.ETag);
    expect(head.LastModified?.toISOString()).toBe('2026-01-01T00:00:00.000Z');
  });

  it('decodes a streamed (aws-chunked) body', async () => {
    // Act
    await client.send(
      new PutObjectCommand({
        Bucket: 'reports',
        Key: 'reports/stream',
        Body: Readable.from([Buffer.from('chunk one, '), Buffer.from('chunk two')]),
        ContentLength: 20,
      }),
    );

    // Assess
    expect(s3.getText('reports', 'reports/stream')).toBe('chunk one, chunk two');
  });

  it('lists keys by prefix, page by page', async () => {
    // Prepare
    for (const key of ['p/3', 'p/1', 'p/2', 'q/1'])
      await client.send(new PutObjectCommand({ Bucket: 'reports', Key: key, Body: key }));

    // Act
    const first = await client.send(
      new ListObjectsV2Command({ Bucket: 'reports', Prefix: 'p/', MaxKeys: 2 }),
    );
    const second = await client.send(
      new ListObjectsV2Command({
        Bucket: 'reports',
        Prefix: 'p/',
        ContinuationToken: first.NextContinuationToken,
      }),
    );

    // Assess
    expect(first.Contents?.map((c) => c.Key)).toEqual(['p/1', 'p/2']);
    expect(first.IsTruncated).toBe(true);
    expect(first.KeyCount).toBe(2);
    expect(second.Contents?.map((c) => [c.Key, c.Size])).toEqual([['p/3', 3]]);
    expect(second.IsTruncated).toBe(false);
    expect(second.NextContinuationToken).toBeUndefined();
  });

  it.each([
    [
      'GetObject of a missing key',
      () => client.send(new GetObjectCommand({ Bucket: 'reports', Key: 'none' })),
      'NoSuchKey',
      404,
    ],
    // HEAD answers carry no body: the SDK names the 404 NotFound.
    [
      'HeadObject of a missing key',
      () => client.send(new HeadObjectCommand({ Bucket: 'reports', Key: 'none' })),
      'NotFound',
      404,
    ],
    [
      'ListObjectsV2 of a missing bucket',
      () => client.send(new ListObjectsV2Command({ Bucket: 'nobucket' })),
      'NoSuchBucket',
      404,
    ],
    [
      'PutObject into a missing bucket',
      () => client.send(new PutObjectCommand({ Bucket: 'nobucket', Key: 'k', Body: 'x' })),
      'NoSuchBucket',
      404,
    ],
    [
      'GetObject of a missing bucket',
      () => client.send(new GetObjectCommand({ Bucket: 'nobucket', Key: 'k' })),
      'NoSuchBucket',
      404,
    ],
  ])('answers %s with %s', async (_name, call, name, status) => {
    expect(await failure(call)).toEqual({ name, status });
  });

  it('refuses a key over 1,024 bytes of UTF-8 with KeyTooLongError, as S3 does (the model sets no maximum)', async () => {
    // Prepare
    const fits = `k/${'é'.repeat(511)}`;
    const tooLong = `k/${'é'.repeat(512)}`;

    // Act
    await client.send(new PutObjectCommand({ Bucket: 'reports', Key: fits, Body: 'ok' }));
    const refused = await failure(() =>
      client.send(new PutObjectCommand({ Bucket: 'reports', Key: tooLong, Body: 'no' })),
    );

    // Assess
    expect(s3.getText('reports', fits)).toBe('ok');
    expect(refused).toEqual({ name: 'KeyTooLongError', status: 400 });
  });
});
