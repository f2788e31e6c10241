import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { afterEach, describe, expect, it } from 'vitest';
import type { StartMitigationOutcome } from '../../src/app/start-mitigation';
import { LOCAL_CONFIG_PARAMETER } from '../../src/local/stack';
import { allAutoConfig, readJson } from '../fixtures';
import { probeBundledHandler, type Run, startRun } from './harness';

// The SSM config is cached per container, so after a config change two warm containers can plan
// the same audit differently. One automatic task per audit, whatever the config: the task id comes
// from the audit alone, so IoT (same id, another token: TaskAlreadyExistsException) and Step
// Functions (same execution name) let only one through.

const AUDIT = 'a3aea009955e501a31b764abe1bebd3d';
const configA = allAutoConfig() as { checks: Record<string, unknown> };
// Other actions for one check, and another set of checks (the policy check left out).
const { IOT_POLICY_OVERLY_PERMISSIVE_CHECK: _left, ...otherChecks } = configA.checks;
const configB = {
  ...configA,
  checks: { ...otherChecks, DEVICE_CERTIFICATE_SHARED_CHECK: { actions: ['PublishFindingToSns'] } },
};

let run: Run | undefined;
afterEach(async () => {
  await run?.stack.close();
  run = undefined;
});

describe('reliability: two containers with different configs', () => {
  it('both receive the same audit: exactly one mitigation task and one execution', async () => {
    // Prepare: container A loads config A; then the parameter changes and container B loads config B.
    run = await startRun({ seed: 121, config: configA });
    const { stack } = run;
    const ssm = new SSMClient({
      endpoint: stack.url,
      region: stack.scenario.region,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    const context = {
      functionName: 'start-mitigation',
      awsRequestId: 'local',
      invokedFunctionArn: `arn:aws:lambda:${stack.scenario.region}:${stack.scenario.accountId}:function:start-mitigation`,
      getRemainingTimeInMillis: () => 30_000,
    };
    const [containerA, containerB] = [probeBundledHandler(), probeBundledHandler()];
    const warmUp = readJson('events/audit-all-compliant.json');
    await containerA.handler(warmUp, context);
    await ssm.send(
      new PutParameterCommand({
        Name: LOCAL_CONFIG_PARAMETER,
        Value: JSON.stringify(configB),
        Type: 'String',
        Overwrite: true,
      }),
    );
    await containerB.handler(warmUp, context);
    const event = readJson('events/scheduled-audit-non-compliant.json');

    // Act: the same audit reaches both containers at once.
    const outcomes = (await Promise.all(
      [containerA, containerB].map((container) => container.handler(event, context)),
    )) as StartMitigationOutcome[];
    await stack.settled();

    // Assess: the two containers planned differently (another token), one task and one execution.
    const plans = outcomes.map((o) =>
      'plan' in o && o.plan.action === 'start' ? o.plan.request : undefined,
    );
    expect(plans[0]?.clientRequestToken).not.toBe(plans[1]?.clientRequestToken);
    const tasks = stack.emulator.mitigationTasks().filter((t) => t.auditTaskId === AUDIT);
    const executions = stack.stepFunctions.executions();
    const duplicateTasks = tasks.length - new Set(tasks.map((t) => t.auditTaskId)).size;
    console.log(`duplicate tasks: ${duplicateTasks}`);
    console.log(
      `reliability[two-containers]: tasks=${tasks.length} executions=${executions.length} ` +
        `taskAlreadyExists=${stack.emulator.stats().mitigationTasks.taskAlreadyExists}`,
    );
    expect(duplicateTasks).toBe(0);
    expect(tasks).toHaveLength(1);
    expect(executions.map((e) => e.name)).toEqual([tasks[0]?.taskId]);
    expect(executions[0]?.status).toBe('SUCCEEDED');
    // Both hand the task to the dispatcher's queue; one execution, which the dispatcher starts once.
    expect(outcomes.map((o) => o.status)).toEqual(['queued', 'queued']);
    expect([...containerA.failures, ...containerB.failures]).toEqual([]);
    ssm.destroy();
  });
});
