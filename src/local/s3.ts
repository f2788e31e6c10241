import { createHash, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ModelValidationError, validateRequest } from './model/validate';

/** One stored object. */
interface StoredObject {
  readonly body: Buffer;
  readonly contentType: string;
  readonly etag: string;
  readonly lastModifiedMs: number;
}

/** An S3 error: its code (the model's exception name or S3's common errors) and HTTP status. */
export class S3Error extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
    readonly resource?: string,
  ) {
    super(message);
    this.name = code;
  }
}

/** The longest object key, in bytes of UTF-8 (S3 User Guide, "Naming Amazon S3 objects"). */
const MAX_KEY_BYTES = 1024;

/** ListObjectsV2's default and largest page (MaxKeys: "up to 1,000"). */
const MAX_KEYS = 1000;

function xmlEscape(text: string): string {
  return text.replace(
    /[<>&'"]/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c] ?? c,
  );
}

/**
 * The body of a PutObject. The SDK sends a streamed body with `Content-Encoding: aws-chunked`
 * (its flexible checksums travel in a trailer): `<hex size>[;chunk-signature=...]\r\n<data>\r\n`
 * chunks, a 0-size chunk, then trailing headers.
 */
function decodeBody(raw: Buffer, headers: IncomingMessage['headers']): Buffer {
  const encoding = String(headers['content-encoding'] ?? '');
  if (!encoding.split(',').some((e) => e.trim() === 'aws-chunked')) return raw;
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = raw.indexOf('\r\n', at);
    if (lineEnd < 0) throw new S3Error('IncompleteBody', 'The chunked body ended early', 400);
    const size = Number.parseInt(raw.subarray(at, lineEnd).toString('latin1').split(';')[0] ?? '', 16);
    if (!Number.isFinite(size)) throw new S3Error('InvalidRequest', 'Bad aws-chunked chunk size', 400);
    if (size === 0) return Buffer.concat(parts);
    parts.push(raw.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
}

function readRaw(req: IncomingMessage): Promise<Buffer> {
  // Events, not `for await`: the async iterator would close the keep-alive connection (http-body.ts).
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', reject);
  });
}

/**
 * S3 in memory, path-style (`/<bucket>/<key>`, as clients with `forcePathStyle` address it): PutObject,
 * GetObject, HeadObject and ListObjectsV2 with their errors (NoSuchBucket, NoSuchKey, and HEAD's bare
 * 404), requests validated against botocore's s3 model. Buckets exist when the stack creates them,
 * as the template does.
 */
export function createLocalS3(options: { now: () => number }) {
  const buckets = new Map<string, Map<string, StoredObject>>();

  function bucketOf(name: string): Map<string, StoredObject> {
    const bucket = buckets.get(name);
    if (!bucket) throw new S3Error('NoSuchBucket', 'The specified bucket does not exist', 404, name);
    return bucket;
  }

  function objectOf(bucketName: string, key: string): StoredObject {
    const object = bucketOf(bucketName).get(key);
    if (!object) throw new S3Error('NoSuchKey', 'The specified key does not exist.', 404, key);
    return object;
  }

  function validate(operation: string, input: Record<string, unknown>): void {
    try {
      validateRequest('s3', operation, input);
    } catch (error) {
      if (error instanceof ModelValidationError) throw new S3Error('InvalidArgument', error.message, 400);
      throw error;
    }
  }

  function objectHeaders(object: StoredObject): Record<string, string> {
    return {
      'content-type': object.contentType,
      'content-length': String(object.body.length),
      etag: object.etag,
      'last-modified': new Date(object.lastModifiedMs).toUTCString(),
    };
  }

  function listObjects(bucketName: string, query: URLSearchParams): string {
    const bucket = bucketOf(bucketName);
    const maxKeysText = query.get('max-keys');
    const input: Record<string, unknown> = { Bucket: bucketName };
    const prefix = query.get('prefix') ?? '';
    if (prefix !== '') input.Prefix = prefix;
    if (maxKeysText !== null) input.MaxKeys = Number(maxKeysText);
    const token = query.get('continuation-token');
    if (token !== null) input.ContinuationToken = token;
    validate('ListObjectsV2', input);
    const maxKeys = Math.min(MAX_KEYS, maxKeysText === null ? MAX_KEYS : Number(maxKeysText));
    // The continuation token is the last key of the previous page (opaque to clients).
    const after = token === null ? '' : Buffer.from(token, 'base64url').toString('utf8');
    const keys = [...bucket.keys()].filter((k) => k.startsWith(prefix) && k > after).sort();
    const page = keys.slice(0, maxKeys);
    const truncated = keys.length > page.length;
    const contents = page
      .map((key) => {
        const o = bucket.get(key) as StoredObject;
        return (
          `<Contents><Key>${xmlEscape(key)}</Key><LastModified>${new Date(o.lastModifiedMs).toISOString()}</LastModified>` +
          `<ETag>${xmlEscape(o.etag)}</ETag><Size>${o.body.length}</Size><StorageClass>STANDARD</StorageClass></Contents>`
        );
      })
      .join('');
    const next =
      truncated && page.length > 0
        ? `<NextContinuationToken>${Buffer.from(page[page.length - 1] as string).toString('base64url')}</NextContinuationToken>`
        : '';
    return (
      '<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">' +
      `<Name>${xmlEscape(bucketName)}</Name><Prefix>${xmlEscape(prefix)}</Prefix><KeyCount>${page.length}</KeyCount>` +
      `<MaxKeys>${maxKeys}</MaxKeys><IsTruncated>${truncated}</IsTruncated>${contents}${next}</ListBucketResult>`
    );
  }

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://local');
    const [bucketPart = '', ...keyParts] = url.pathname.slice(1).split('/');
    const bucketName = decodeURIComponent(bucketPart);
    const key = keyParts.map(decodeURIComponent).join('/');
    const method = req.method ?? 'GET';
    const raw = await readRaw(req);
    if (bucketName === '') throw new S3Error('InvalidRequest', 'The request names no bucket', 400);
    if (key === '') {
      if (method === 'GET' && url.searchParams.get('list-type') === '2') {
        const xml = listObjects(bucketName, url.searchParams);
        res.writeHead(200, { 'content-type': 'application/xml' }).end(xml);
        return;
      }
      throw new S3Error('NotImplemented', `${method} on a bucket is not served locally`, 501);
    }
    // "up to 1,024 bytes long" (S3 User Guide, object keys); the model declares no maximum.
    if (Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES)
      throw new S3Error('KeyTooLongError', 'Your key is too long', 400, key);
    if (method === 'PUT') {
      const body = decodeBody(raw, req.headers);
      const contentType = String(req.headers['content-type'] ?? 'binary/octet-stream');
      validate('PutObject', { Bucket: bucketName, Key: key, ContentType: contentType });
      const bucket = bucketOf(bucketName);
      const etag = `"${createHash('md5').update(body).digest('hex')}"`;
      bucket.set(key, { body, contentType, etag, lastModifiedMs: options.now() });
      res.writeHead(200, { etag }).end();
      return;
    }
    if (method === 'GET') {
      validate('GetObject', { Bucket: bucketName, Key: key });
      const object = objectOf(bucketName, key);
      res.writeHead(200, objectHeaders(object)).end(object.body);
      return;
    }
    if (method === 'HEAD') {
      validate('HeadObject', { Bucket: bucketName, Key: key });
      const object = objectOf(bucketName, key);
      res.writeHead(200, objectHeaders(object)).end();
      return;
    }
    throw new S3Error('MethodNotAllowed', `${method} is not served locally`, 405);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      await serve(req, res);
    } catch (error) {
      const s3 = error instanceof S3Error ? error : new S3Error('InternalError', String(error), 500);
      const requestId = randomUUID();
      // HEAD answers carry no body: the SDK names a 404 there NotFound.
      if (req.method === 'HEAD') {
        res.writeHead(s3.status, { 'x-amz-request-id': requestId }).end();
        return;
      }
      const resource = s3.resource === undefined ? '' : `<Resource>${xmlEscape(s3.resource)}</Resource>`;
      res
        .writeHead(s3.status, { 'content-type': 'application/xml', 'x-amz-request-id': requestId })
        .end(
          `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${s3.code}</Code><Message>${xmlEscape(s3.message)}</Message>${resource}<RequestId>${requestId}</RequestId></Error>`,
        );
    }
  }

  return {
    handle,
    createBucket(name: string): void {
      if (!buckets.has(name)) buckets.set(name, new Map());
    },
    /** The text of an object, for tests and the CLI's local reads; undefined when missing. */
    getText(bucket: string, key: string): string | undefined {
      return buckets.get(bucket)?.get(key)?.body.toString('utf8');
    },
    keys(bucket: string): string[] {
      return [...(buckets.get(bucket)?.keys() ?? [])].sort();
    },
  };
}

export type LocalS3 = ReturnType<typeof createLocalS3>;
