/** A local Step Functions endpoint that runs the repository's ASL with aws-local-stepfunctions. */
export { createIotResourceHandler, IotIntegrationError } from './iot-integration';
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
  type TaskResourceHandler,
  type WorkflowDelay,
  type WorkflowResult,
  type WorkflowRun,
  type WorkflowRunOptions,
} from './workflow-runner';
