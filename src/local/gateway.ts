import { createServer, type IncomingMessage, type RequestListener, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One service of the local stack: how its requests are recognised, and its request listener. */
export interface LocalService {
  readonly name: string;
  /** awsJson services are told apart by the x-amz-target prefix; the restJson one (IoT) takes the rest. */
  readonly targetPrefix?: string;
  readonly handle: (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;
}

/**
 * One endpoint for the whole local stack, as AWS_ENDPOINT_URL or `--endpoint-url` expects: requests
 * are routed to IoT, Step Functions, EventBridge, SSM or DynamoDB the way the SDKs address them.
 */
export function createGateway(services: readonly LocalService[]) {
  const fallback = services.find((s) => s.targetPrefix === undefined);
  let inFlight = 0;
  const listener: RequestListener = (req, res) => {
    const target = String(req.headers['x-amz-target'] ?? '');
    const service =
      services.find((s) => s.targetPrefix !== undefined && target.startsWith(`${s.targetPrefix}.`)) ??
      fallback;
    inFlight++;
    res.on('close', () => inFlight--);
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
