import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody } from './http-body';

/** An HTTP API (payload 2.0) Lambda handler, as the approval page's. */
export type HttpApiHandler = (
  event: unknown,
  context: object,
) => Promise<{ statusCode?: number; headers?: Record<string, string | number | boolean>; body?: string }>;

/** The path of the approval page on the local gateway, as on the HTTP API: /approvals/{id}. */
export const APPROVALS_PATH = '/approvals/';

/**
 * Serves the approval page's handler on the local gateway the way API Gateway's HTTP API invokes it
 * (payload format 2.0: routes GET and POST /approvals/{id}, anything else 404 as the API answers).
 */
export function approvalPageRoute(handler: HttpApiHandler, stage = '$default') {
  let requests = 0;
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://local');
    const id = url.pathname.slice(APPROVALS_PATH.length);
    const method = (req.method ?? 'GET').toUpperCase();
    const body = await readBody(req);
    if (id === '' || id.includes('/') || (method !== 'GET' && method !== 'POST')) {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"message":"Not Found"}');
      return;
    }
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers))
      if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(',') : value;
    const event = {
      version: '2.0',
      routeKey: `${method} /approvals/{id}`,
      rawPath: url.pathname,
      rawQueryString: url.search.slice(1),
      headers,
      requestContext: {
        http: {
          method,
          path: url.pathname,
          protocol: 'HTTP/1.1',
          sourceIp: req.socket.remoteAddress ?? '',
          userAgent: headers['user-agent'] ?? '',
        },
        routeKey: `${method} /approvals/{id}`,
        stage,
      },
      pathParameters: { id: decodeURIComponent(id) },
      body,
      isBase64Encoded: false,
    };
    const answer = await handler(event, {
      functionName: 'approval-page',
      awsRequestId: `local-page-${++requests}`,
      getRemainingTimeInMillis: () => 30_000,
    });
    const responseHeaders: Record<string, string> = {};
    for (const [name, value] of Object.entries(answer.headers ?? {})) responseHeaders[name] = String(value);
    const text = answer.body ?? '';
    res.writeHead(answer.statusCode ?? 200, {
      ...responseHeaders,
      'content-length': Buffer.byteLength(text),
    });
    res.end(text);
  };
}
