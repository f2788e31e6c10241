import { createServer, type IncomingMessage, type RequestListener, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sigV4Credential } from './sigv4';

/** One service of the local stack: how its requests are recognised, and its request listener. */
export interface LocalService {
  readonly name: string;
  /** awsJson services are told apart by the x-amz-target prefix; the restJson one (IoT) takes the rest. */
  readonly targetPrefix?: string;
  /**
   * awsQuery services (STS) send no x-amz-target: they are told apart by the service of the SigV4
   * credential scope (`Credential=<key>/<date>/<region>/<signingName>/aws4_request`) or, unsigned, by
   * their form body (`application/x-www-form-urlencoded`, which no other served protocol sends).
   */
  readonly signingName?: string;
  /** Plain HTTP routes (the approval page) are told apart by their path, before anything else. */
  readonly pathPrefix?: string;
  /**
   * True when the handler runs in this process and every AWS request it makes is counted from the
   * client side (the approval page, see stack.ts). Its own incoming request then does not count as
   * in flight: while the handler waits between two of its requests (an SDK backoff on the virtual
   * clock), time must pass, as it does for the functions.
   */
  readonly countedByItsRequests?: boolean;
  readonly handle: (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;
}

/** The service that serves a request: by x-amz-target, else by signing name or form body, else the fallback. */
export function routeRequest(
  services: readonly LocalService[],
  req: Pick<IncomingMessage, 'headers'> & { readonly url?: string },
): LocalService | undefined {
  const path = req.url ?? '';
  const byPath = services.find((s) => s.pathPrefix !== undefined && path.startsWith(s.pathPrefix));
  if (byPath) return byPath;
  const target = String(req.headers['x-amz-target'] ?? '');
  if (target !== '') {
    const byTarget = services.find(
      (s) => s.targetPrefix !== undefined && target.startsWith(`${s.targetPrefix}.`),
    );
    if (byTarget) return byTarget;
  }
  const scope = sigV4Credential(req.headers.authorization)?.service;
  const bySigningName = services.find((s) => s.signingName !== undefined && s.signingName === scope);
  if (bySigningName) return bySigningName;
  const form = String(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded');
  const query = form ? services.find((s) => s.signingName !== undefined) : undefined;
  return (
    query ??
    services.find(
      (s) => s.targetPrefix === undefined && s.signingName === undefined && s.pathPrefix === undefined,
    )
  );
}

/**
 * One endpoint for the whole local stack, as AWS_ENDPOINT_URL or `--endpoint-url` expects: requests
 * are routed to IoT, Step Functions, EventBridge, SSM, DynamoDB or STS the way the SDKs address them.
 */
export function createGateway(services: readonly LocalService[]) {
  let inFlight = 0;
  let served = 0;
  const listener: RequestListener = (req, res) => {
    const service = routeRequest(services, req);
    served++;
    if (!service?.countedByItsRequests) {
      inFlight++;
      res.on('close', () => inFlight--);
    }
    if (!service) {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"message":"no such service"}');
      return;
    }
    Promise.resolve(service.handle(req, res)).catch((error: Error) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: error.message }));
    });
  };
  const server = createServer(listener);
  // Long enough for Node's clients to reuse a connection: their agent keeps an idle socket only
  // while more than a second of the server's advertised timeout is left, so at 1 s every request of
  // the functions and the state machine opened a new connection. close() closes idle ones itself.
  server.keepAliveTimeout = 5000;
  return {
    get inFlight(): number {
      return inFlight;
    },
    /** Requests received since the start, every service together. */
    get served(): number {
      return served;
    },
    async listen(port = 0, host = '127.0.0.1'): Promise<string> {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => resolve());
      });
      return `http://${host}:${(server.address() as AddressInfo).port}`;
    },
    async close(): Promise<void> {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
