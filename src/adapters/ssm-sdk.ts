// The part of the SSM client the SSM adapter uses, imported on demand: a dynamic import of
// '@aws-sdk/client-ssm' itself would keep every command of the service in the chunk.
export { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
