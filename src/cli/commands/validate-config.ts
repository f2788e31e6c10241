import {
  DescribeAccountAuditConfigurationCommand,
  DescribeMitigationActionCommand,
  type IoTClient,
  ListMitigationActionsCommand,
} from '@aws-sdk/client-iot';
import {
  type AuditCheckName,
  InvalidInputError,
  incompatibleActionProblem,
  isAuditCheckName,
  type Problem,
  parseRemediationConfig,
  type RemediationConfig,
} from '../../core';
import type { Command } from '../command';
import { EXIT, UsageError } from '../errors';
import { DEFAULT_CONFIG_PATH, readJsonFile } from '../inputs';
import { paint, writeLine } from '../output';
import { AWS_HELP, AWS_OPTIONS, openTarget } from '../target';

/** Every mitigation action of the account, by name, with its type (ListMitigationActions + DescribeMitigationAction). */
async function accountActionTypes(iot: IoTClient, wanted: ReadonlySet<string>): Promise<Map<string, string>> {
  const existing: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await iot.send(new ListMitigationActionsCommand({ maxResults: 250, nextToken }));
    for (const a of page.actionIdentifiers ?? []) if (a.actionName) existing.push(a.actionName);
    nextToken = page.nextToken;
  } while (nextToken);
  const types = new Map<string, string>();
  for (const name of existing.filter((n) => wanted.has(n))) {
    const action = await iot.send(new DescribeMitigationActionCommand({ actionName: name }));
    types.set(name, action.actionType ?? 'UNKNOWN');
  }
  return types;
}

/** What the account says about the config: actions that exist with a suitable type, checks enabled. */
async function accountProblems(iot: IoTClient, config: RemediationConfig): Promise<Problem[]> {
  const checks = Object.entries(config.checks);
  const types = await accountActionTypes(iot, new Set(checks.flatMap(([, r]) => r.actions)));
  const problems: Problem[] = [];
  for (const [name, type] of Object.entries(config.actionTypes ?? {})) {
    const actual = types.get(name);
    if (actual !== undefined && actual !== type)
      problems.push({
        path: `actionTypes.${name}`,
        message: `declared ${type}, but the account's action is ${actual}`,
      });
  }
  for (const [check, remediation] of checks) {
    remediation.actions.forEach((action, i) => {
      const type = types.get(action);
      const path = `checks.${check}.actions[${i}]`;
      if (type === undefined) {
        problems.push({ path, message: `no mitigation action '${action}' in the account` });
        return;
      }
      const problem = incompatibleActionProblem(check as AuditCheckName, i, action, type);
      if (problem) problems.push(problem);
    });
  }
  const audit = await iot.send(new DescribeAccountAuditConfigurationCommand({}));
  for (const [check] of checks) {
    if (!audit.auditCheckConfigurations?.[check]?.enabled)
      problems.push({
        path: `checks.${check}`,
        message: `${check} is not enabled in the account's audit configuration`,
      });
  }
  return problems;
}

/** Actions whose type the config does not declare: only --account can check them against their check. */
function undeclaredTypes(config: RemediationConfig): Problem[] {
  return Object.entries(config.checks).flatMap(([check, remediation]) =>
    remediation.actions.flatMap((action, i) =>
      !Object.hasOwn(config.actionTypes ?? {}, action) && isAuditCheckName(check)
        ? [
            {
              path: `checks.${check}.actions[${i}]`,
              message: `the type of '${action}' is not declared in actionTypes: --account checks it against ${check}`,
            },
          ]
        : [],
    ),
  );
}

export const validateConfigCommand: Command = {
  name: 'validate-config',
  summary: 'check a remediation config, offline and optionally against the account',
  usage: 'iot-remediate validate-config [FILE] [--account | --local] [--json]',
  help: `Offline: the schema, known check names, 1 to 5 actions per check, reason codes valid for their
check, and each action's type compatible with its check when the config declares it in actionTypes.
--account also reads the account: every named action exists (ListMitigationActions,
DescribeMitigationAction), its real type suits its check and matches actionTypes, and every
configured check is enabled in the audit configuration (DescribeAccountAuditConfiguration).
Every problem is listed with its path in the config; any problem exits 2, so it can gate
\`sam deploy\` in CI.

Options:
  --account         check against the account too (AWS options below; --local: the local stack)
  --json            one JSON object: {"file","valid","accountChecked","problems":[{path,message}],"notes":[...]}

${AWS_HELP}

Examples:
  iot-remediate validate-config
  iot-remediate validate-config my-config.json --json
  iot-remediate validate-config config/remediation.json --account --profile prod
  iot-remediate validate-config --local          # against the local stack's scenario`,
  options: { ...AWS_OPTIONS, account: { type: 'boolean' }, json: { type: 'boolean' } },
  async run(args, output) {
    if (args.positionals.length > 1) throw new UsageError('validate-config takes at most one file');
    const file = args.positionals[0] ?? DEFAULT_CONFIG_PATH;
    const checkAccount = Boolean(args.values.account || args.values.local);
    const document = readJsonFile(file);
    let config: RemediationConfig | undefined;
    let problems: Problem[] = [];
    try {
      config = parseRemediationConfig(document);
    } catch (error) {
      if (!(error instanceof InvalidInputError)) throw error;
      problems = [...error.problems];
    }
    let notes: Problem[] = [];
    if (config && checkAccount) {
      const valid = config;
      const target = await openTarget(args);
      try {
        problems = await target.round(() => accountProblems(target.clients.iot, valid));
      } finally {
        await target.close();
      }
    } else if (config) notes = undeclaredTypes(config);

    if (args.values.json) {
      writeLine(
        output,
        JSON.stringify({
          file,
          valid: problems.length === 0,
          accountChecked: Boolean(config && checkAccount),
          problems,
          notes,
        }),
      );
    } else if (problems.length === 0) {
      const scope = checkAccount ? 'offline and against the account' : 'offline';
      writeLine(output, `${file}: ${paint(output, 'green', 'valid')} (${scope})`);
      for (const n of notes) writeLine(output, paint(output, 'dim', `  note ${n.path}: ${n.message}`));
    } else {
      writeLine(output, `${file}: ${paint(output, 'red', `${problems.length} problem(s)`)}`);
      for (const p of problems) writeLine(output, `  ${p.path || '(root)'}: ${p.message}`);
      if (!config && checkAccount) writeLine(output, '  (the account was not read: fix the file first)');
    }
    return problems.length === 0 ? EXIT.ok : EXIT.badInput;
  },
};
