import type { CallbackRegistry } from './callbacks';
import {
  isProgrammingError,
  type JsonValue,
  type TaskResourceHandler,
  WAIT_FOR_TASK_TOKEN,
} from './workflow-runner';

/** Step Functions' optimized Lambda integration: request-response and callback. */
export const LAMBDA_INVOKE_RESOURCE = 'arn:aws:states:::lambda:invoke';

/** Invokes a function as Lambda would, in process: resolves with its answer, rejects with its error. */
export type InvokeFunction = (functionName: string, payload: JsonValue) => Promise<unknown>;

/**
 * An error of the Lambda service itself (not of the function): Step Functions names it
 * `Lambda.<exceptionName>` (Lambda.ServiceException, Lambda.TooManyRequestsException...).
 */
export class LambdaServiceError extends Error {
  constructor(exceptionName: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = `Lambda.${exceptionName}`;
  }
}

function isRecord(value: JsonValue): value is { [key: string]: JsonValue } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The function's answer as the integration returns it. https://docs.aws.amazon.com/step-functions/latest/dg/connect-lambda.html
 */
function invokeResponse(payload: unknown): JsonValue {
  return {
    ExecutedVersion: '$LATEST',
    // Lambda hands the answer over as JSON: what JSON cannot carry is gone.
    Payload: payload === undefined ? null : (JSON.parse(JSON.stringify(payload)) as JsonValue),
    SdkHttpMetadata: { HttpStatusCode: 200 },
    StatusCode: 200,
  };
}

/**
 * Calls the function. A function error is named after the error the function threw (its errorType,
 * as the Node runtime reports it) with Lambda's JSON error as the cause; a failure with no error
 * type is Lambda.Unknown (https://docs.aws.amazon.com/step-functions/latest/dg/bp-lambda-serviceexception.html).
 * A JavaScript programming error passes through as it is: the runner reports it as a local stack bug.
 */
async function invoke(invokeFunction: InvokeFunction | undefined, input: JsonValue): Promise<JsonValue> {
  if (!isRecord(input) || typeof input.FunctionName !== 'string')
    throw new LambdaServiceError('InvalidParameterValueException', 'FunctionName is required (Parameters)');
  const functionName = input.FunctionName;
  if (invokeFunction === undefined)
    throw new LambdaServiceError('ResourceNotFoundException', `Function not found: ${functionName}`);
  // Lambda sends the function JSON: the function cannot change what the state machine holds.
  const payload = JSON.parse(JSON.stringify(input.Payload ?? {})) as JsonValue;
  try {
    return invokeResponse(await invokeFunction(functionName, payload));
  } catch (error) {
    if (error instanceof LambdaServiceError || isProgrammingError(error)) throw error;
    if (!(error instanceof Error)) {
      throw new LambdaServiceError(
        'Unknown',
        'The cause could not be determined because Lambda did not return an error type.',
      );
    }
    const failure = new Error(
      JSON.stringify({
        errorType: error.name,
        errorMessage: error.message,
        trace: (error.stack ?? '').split('\n'),
      }),
      { cause: error },
    );
    failure.name = error.name;
    throw failure;
  }
}

/**
 * The handler of `lambda:invoke` (the task's result is the invocation's answer) or of
 * `lambda:invoke.waitForTaskToken` (the function is handed the token; the task's result is the output
 * of SendTaskSuccess). Both wait idle while the function runs: its own requests keep the stack busy,
 * and its SDK's backoff waits on the clock as in the cloud.
 */
export function createLambdaHandler(
  resource: string,
  invokeFunction: InvokeFunction | undefined,
  callbacks: CallbackRegistry,
): TaskResourceHandler {
  const waitForToken = resource.endsWith(WAIT_FOR_TASK_TOKEN);
  return async (input, call) => {
    // Registered first: the function may answer through the API before its invocation returns.
    const decision = waitForToken ? callbacks.open(call) : undefined;
    decision?.catch(() => undefined);
    const response = await call.idle(invoke(invokeFunction, input));
    if (decision === undefined) return response;
    call.submitted(response);
    return call.idle(decision);
  };
}
