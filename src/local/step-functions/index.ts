/** A local Step Functions endpoint that runs the repository's ASL with aws-local-stepfunctions. */
export { TaskFailureError } from './callbacks';
export { HISTORY_DATA_WINDOW, type HistoryEvent } from './execution-history';
export { createIotResourceHandler, IotIntegrationError } from './iot-integration';
export { type InvokeFunction, LambdaServiceError } from './lambda-integration';
export {
  createLocalStepFunctions,
  type ExecutionRecord,
  type ExecutionStatus,
  type LocalStepFunctions,
  type LocalStepFunctionsOptions,
} from './local-step-functions';
export {
  type JsonValue,
  prepareWorkflow,
  runWorkflow,
  type TaskCall,
  type TaskResourceHandler,
  type WorkflowDelay,
  type WorkflowResult,
  type WorkflowRun,
  type WorkflowRunOptions,
} from './workflow-runner';
