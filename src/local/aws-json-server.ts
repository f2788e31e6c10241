import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody } from './http-body';
import { ModelValidationError, serviceOfTarget, validateRequest } from './model/validate';

/**
 * The awsJson protocol (Step Functions 1.0, EventBridge and SSM 1.1): `POST /` with
 * `x-amz-target: <Prefix>.<Operation>`, a JSON body, errors as `{"__type": Name, "message": ...}`.
 */
export class AwsJsonError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
    this.name = type;
  }
}

export type AwsJsonOperation = (input: Record<string, unknown>) => unknown | Promise<unknown>;

/** A fault to inject into one request: a throttle (400), a server error (500) or a dropped connection. */
export type AwsJsonFault = 'throttle' | 'serverError' | 'drop';

export interface AwsJsonHandlerOptions {
  /** Asked once per request of a known operation, after its body is read. */
  readonly faults?: (operation: string) => AwsJsonFault | undefined;
  /** The `__type` the service writes for an error name, when it is not the bare name (DynamoDB's). */
  readonly errorType?: (name: string) => string;
}

async function readJsonBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const text = await readBody(req);
  if (text.trim() === '') return {};
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed))
      return parsed as Record<string, unknown>;
  } catch {
    // answered below
  }
  throw new AwsJsonError('SerializationException', 'The request body is not a JSON object');
}

function send(res: ServerResponse, status: number, body: unknown, contentType: string): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': contentType,
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': randomUUID(),
  });
  res.end(text);
}

/** Serves one awsJson service: `operations` by name, under the x-amz-target `prefix`. */
export function awsJsonHandler(
  prefix: string,
  contentType: 'application/x-amz-json-1.0' | 'application/x-amz-json-1.1',
  operations: Readonly<Record<string, AwsJsonOperation>>,
  options: AwsJsonHandlerOptions = {},
) {
  // Every request is validated against the API model of the service this prefix names.
  const service = serviceOfTarget(prefix);
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const target = String(req.headers['x-amz-target'] ?? '');
    const name = target.startsWith(`${prefix}.`) ? target.slice(prefix.length + 1) : '';
    try {
      const operation = Object.hasOwn(operations, name) ? operations[name] : undefined;
      if (req.method !== 'POST' || !operation) {
        throw new AwsJsonError('UnknownOperationException', `Unknown operation: '${target}'`);
      }
      const input = await readJsonBody(req);
      const fault = options.faults?.(name);
      if (fault === 'drop') {
        req.socket.destroy();
        return;
      }
      if (fault === 'throttle') throw new AwsJsonError('ThrottlingException', 'Rate exceeded');
      if (fault === 'serverError') throw new AwsJsonError('InternalFailure', 'Injected server error', 500);
      if (service !== undefined) validateRequest(service, name, input);
      send(res, 200, (await operation(input)) ?? {}, contentType);
    } catch (error) {
      const known = error instanceof AwsJsonError || error instanceof ModelValidationError;
      const type = known ? error.name : 'InternalFailure';
      send(
        res,
        known ? error.status : 500,
        { __type: options.errorType?.(type) ?? type, message: (error as Error).message },
        contentType,
      );
    }
  };
}
