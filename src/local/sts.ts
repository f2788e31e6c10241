import { createHash, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody } from './http-body';
import { ModelValidationError, serviceModel, validateRequest } from './model/validate';
import { sigV4Credential } from './sigv4';

/**
 * STS's GetCallerIdentity over the awsQuery protocol (form POST, XML answer), so that a caller's
 * identity can be recorded locally as it is in the cloud. The identity derives from the request's
 * access key (SigV4 credential scope): key `local` is `arn:aws:iam::<account>:user/local`. Signatures
 * are not checked: the local stack trusts its loopback callers.
 */

const VERSION = '2011-06-15';
const NAMESPACE = serviceModel('sts').metadata.xmlNamespace ?? `https://sts.amazonaws.com/doc/${VERSION}/`;

/** An awsQuery error: `type` Sender (the caller's fault) or Receiver. */
export class StsError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
    readonly type: 'Sender' | 'Receiver' = 'Sender',
  ) {
    super(message);
    this.name = code;
  }
}

const xmlEscape = (text: string): string => text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * An IAM user's unique id has the form AIDA + 17 upper-case letters and digits; here it is derived
 * from the access key so that the same key is always the same user.
 */
function userIdOf(accessKeyId: string): string {
  const digest = createHash('sha256').update(accessKeyId).digest();
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let id = 'AIDA';
  for (let i = 0; i < 17; i++) id += alphabet[(digest[i] ?? 0) % 32];
  return id;
}

export interface LocalStsOptions {
  readonly accountId: string;
}

export interface CallerIdentity {
  readonly UserId: string;
  readonly Account: string;
  readonly Arn: string;
}

/** The identity STS reports for an access key in this account. */
export function callerIdentity(accountId: string, accessKeyId: string): CallerIdentity {
  return {
    UserId: userIdOf(accessKeyId),
    Account: accountId,
    Arn: `arn:aws:iam::${accountId}:user/${accessKeyId}`,
  };
}

function send(res: ServerResponse, status: number, xml: string): void {
  res.writeHead(status, {
    'content-type': 'text/xml',
    'content-length': Buffer.byteLength(xml),
    'x-amzn-requestid': randomUUID(),
  });
  res.end(xml);
}

function errorXml(error: StsError, requestId: string): string {
  return (
    `<ErrorResponse xmlns="${NAMESPACE}">` +
    `<Error><Type>${error.type}</Type><Code>${xmlEscape(error.code)}</Code>` +
    `<Message>${xmlEscape(error.message)}</Message></Error>` +
    `<RequestId>${requestId}</RequestId></ErrorResponse>`
  );
}

/** The local STS endpoint: GetCallerIdentity, and the awsQuery common errors for anything else. */
export function createLocalSts(options: LocalStsOptions) {
  const operations: Readonly<Record<string, (accessKeyId: string) => string>> = {
    GetCallerIdentity(accessKeyId) {
      const identity = callerIdentity(options.accountId, accessKeyId);
      return (
        '<GetCallerIdentityResult>' +
        `<Arn>${xmlEscape(identity.Arn)}</Arn>` +
        `<UserId>${identity.UserId}</UserId>` +
        `<Account>${identity.Account}</Account>` +
        '</GetCallerIdentityResult>'
      );
    },
  };

  async function answer(req: IncomingMessage): Promise<string> {
    const body = await readBody(req);
    if (req.method !== 'POST') throw new StsError('InvalidAction', 'Only POST requests are served', 400);
    const form = new URLSearchParams(body);
    const action = form.get('Action');
    if (action === null || action === '') throw new StsError('MissingAction', 'The request has no Action');
    const operation = Object.hasOwn(operations, action) ? operations[action] : undefined;
    if (operation === undefined)
      throw new StsError('InvalidAction', `Could not find operation ${action} for version ${VERSION}`);
    const version = form.get('Version');
    if (version !== VERSION)
      throw new StsError(
        'InvalidParameterValue',
        `Version ${version ?? '(none)'} is not supported: ${VERSION} is`,
      );
    const credential = sigV4Credential(req.headers.authorization);
    if (credential === undefined || credential.accessKeyId === '')
      throw new StsError('MissingAuthenticationToken', 'Request is missing Authentication Token', 403);
    // GetCallerIdentity has no members; anything else in the form is validated against the model.
    const input: Record<string, unknown> = {};
    for (const [key, value] of form) if (key !== 'Action' && key !== 'Version') input[key] = value;
    validateRequest('sts', action, input);
    const requestId = randomUUID();
    return (
      `<${action}Response xmlns="${NAMESPACE}">${operation(credential.accessKeyId)}` +
      `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`
    );
  }

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    try {
      send(res, 200, await answer(req));
    } catch (error) {
      const sts =
        error instanceof StsError
          ? error
          : error instanceof ModelValidationError
            ? new StsError(error.name, error.message, error.status)
            : new StsError('InternalFailure', String(error), 500, 'Receiver');
      send(res, sts.status, errorXml(sts, randomUUID()));
    }
  };
  return { handle };
}
