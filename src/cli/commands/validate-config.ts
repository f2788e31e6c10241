import {
  DescribeAccountAuditConfigurationCommand,
  DescribeMitigationActionCommand,
  type IoTClient,
  ListMitigationActionsCommand,
} from '@aws-sdk/client-iot';
import {
  type ActionFacts,
  type AuditCheckName,
  destructiveAutoWarnings,
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

/**
 * Every mitigation action of the account that the config names, with its type and, for
 * ADD_THINGS_TO_THING_GROUP, whether it overrides dynamic groups (ListMitigationActions + DescribeMitigationAction).
 */
async function accountActions(
  iot: IoTClient,
  wanted: ReadonlySet<string>,
): Promise<Map<string, ActionFacts>> {
  const existing: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await iot.send(new ListMitigationActionsCommand({ maxResults: 250, nextToken }));
    for (const a of page.actionIdentifiers ?? []) if (a.actionName) existing.push(a.actionName);
    nextToken = page.nextToken;
  } while (nextToken);
  const facts = new Map<string, ActionFacts>();
  for (const name of existing.filter((n) => wanted.has(n))) {
    const action = await iot.send(new DescribeMitigationActionCommand({ actionName: name }));
    const override = action.actionParams?.addThingsToThingGroupParams?.overrideDynamicGroups;
    facts.set(name, {
      type: action.actionType ?? 'UNKNOWN',
      ...(action.actionType === 'ADD_THINGS_TO_THING_GROUP'
        ? { overrideDynamicGroups: override ?? false }
        : {}),
    });
  }
  return facts;
}

/** What the account says about the config: actions that exist with a suitable type, checks enabled; and the warnings. */
async function accountProblems(
  iot: IoTClient,
  config: RemediationConfig,
): Promise<{ problems: Problem[]; warnings: Problem[] }> {
  const checks = Object.entries(config.checks);
  const facts = await accountActions(iot, new Set(checks.flatMap(([, r]) => r.actions)));
  const types = new Map([...facts].map(([name, f]) => [name, f.type]));
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
  return { problems, warnings: destructiveAutoWarnings(config, (action) => facts.get(action)) };
}

/** Offline, what the config declares of its actions (actionTypes): their types, never their params. */
function declaredFacts(config: RemediationConfig): (action: string) => ActionFacts | undefined {
  const declared = config.actionTypes ?? {};
  return (action) => (Object.hasOwn(declared, action) ? { type: declared[action] as string } : undefined);
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
Also: policies (auto, approve, notify), approval timeouts (ISO-8601, PT1M to P365D) and protect
selectors (names as the IoT API takes them, no duplicates).
Every problem is listed with its path in the config; any problem exits 2, so it can gate
\`sam deploy\` in CI. A destructive action (UPDATE_DEVICE_CERTIFICATE, UPDATE_CA_CERTIFICATE,
REPLACE_DEFAULT_POLICY_VERSION, ADD_THINGS_TO_THING_GROUP with overrideDynamicGroups) in a check
whose policy is auto prints a warning line and keeps exit 0.

Options:
  --account         check against the account too (AWS options below; --local: the local stack)
  --json            one JSON object: {"file","valid","accountChecked","problems":[{path,message}],"warnings":[...],"notes":[...]}

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
    let warnings: Problem[] = [];
    if (config && checkAccount) {
      const valid = config;
      const target = await openTarget(args);
      try {
        ({ problems, warnings } = await target.round(() => accountProblems(target.clients.iot, valid)));
      } finally {
        await target.close();
      }
    } else if (config) {
      notes = undeclaredTypes(config);
      warnings = destructiveAutoWarnings(config, declaredFacts(config));
    }

    if (args.values.json) {
      writeLine(
        output,
        JSON.stringify({
          file,
          valid: problems.length === 0,
          accountChecked: Boolean(config && checkAccount),
          problems,
          warnings,
          notes,
        }),
      );
    } else if (problems.length === 0) {
      const scope = checkAccount ? 'offline and against the account' : 'offline';
      writeLine(output, `${file}: ${paint(output, 'green', 'valid')} (${scope})`);
      for (const w of warnings)
        writeLine(output, paint(output, 'yellow', `  warning ${w.path}: ${w.message}`));
      for (const n of notes) writeLine(output, paint(output, 'dim', `  note ${n.path}: ${n.message}`));
    } else {
      writeLine(output, `${file}: ${paint(output, 'red', `${problems.length} problem(s)`)}`);
      for (const p of problems) writeLine(output, `  ${p.path || '(root)'}: ${p.message}`);
      if (!config && checkAccount) writeLine(output, '  (the account was not read: fix the file first)');
    }
    return problems.length === 0 ? EXIT.ok : EXIT.badInput;
  },
};
