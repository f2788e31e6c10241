import type { IncomingMessage } from 'node:http';

/**
 * The whole body of a request, as text. Read with events, not `for await`: the async iterator
 * destroys the request when it ends, which closes the connection, so every call of a keep-alive
 * client (the functions', the state machine's) would open a new one.
 */
export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.once('error', reject);
  });
}
