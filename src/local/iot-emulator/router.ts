/**
 * The route table: method and path template of each operation, exactly as the model's http trait
 * gives them (iot-model-operations.txt). Labels match one raw path segment and are decoded after
 * matching, so an encoded '/' (%2F) stays inside its label, as the SDK intends.
 */
import { HANDLERS, type OperationName } from './operations';

interface Route {
  readonly operation: OperationName;
  readonly method: string;
  readonly regex: RegExp;
  readonly labels: readonly string[];
}

const ROUTE_TABLE: ReadonlyArray<readonly [OperationName, string, string]> = [
  ['StartAuditMitigationActionsTask', 'POST', '/audit/mitigationactions/tasks/{taskId}'],
  ['DescribeAuditMitigationActionsTask', 'GET', '/audit/mitigationactions/tasks/{taskId}'],
  ['ListAuditMitigationActionsTasks', 'GET', '/audit/mitigationactions/tasks'],
  ['CancelAuditMitigationActionsTask', 'PUT', '/audit/mitigationactions/tasks/{taskId}/cancel'],
  ['ListAuditMitigationActionsExecutions', 'GET', '/audit/mitigationactions/executions'],
  ['ListAuditFindings', 'POST', '/audit/findings'],
  ['DescribeAuditFinding', 'GET', '/audit/findings/{findingId}'],
  ['DescribeAuditTask', 'GET', '/audit/tasks/{taskId}'],
  ['ListAuditTasks', 'GET', '/audit/tasks'],
  ['StartOnDemandAuditTask', 'POST', '/audit/tasks'],
  ['ListMitigationActions', 'GET', '/mitigationactions/actions'],
  ['DescribeMitigationAction', 'GET', '/mitigationactions/actions/{actionName}'],
  ['CreateMitigationAction', 'POST', '/mitigationactions/actions/{actionName}'],
  ['DescribeAccountAuditConfiguration', 'GET', '/audit/configuration'],
  ['ListThingsInThingGroup', 'GET', '/thing-groups/{thingGroupName}/things'],
  ['ListThingPrincipals', 'GET', '/things/{thingName}/principals'],
  ['ListPrincipalThings', 'GET', '/principals/things'],
];

const ROUTES: readonly Route[] = ROUTE_TABLE.map(([operation, method, template]) => {
  const labels: string[] = [];
  const source = template.replace(/\{(\w+)\}/g, (_, label: string) => {
    labels.push(label);
    return '([^/]+)';
  });
  return { operation, method, regex: new RegExp(`^${source}/?$`), labels };
});

export interface RouteMatch {
  readonly operation: OperationName;
  readonly handler: (typeof HANDLERS)[OperationName];
  readonly labels: Record<string, string>;
}

/** The operation for a request, or undefined when none matches. */
export function matchRoute(method: string, path: string): RouteMatch | undefined {
  for (const route of ROUTES) {
    if (route.method !== method) continue;
    const match = route.regex.exec(path);
    if (match === null) continue;
    const labels: Record<string, string> = {};
    route.labels.forEach((label, index) => {
      const raw = match[index + 1] ?? '';
      try {
        labels[label] = decodeURIComponent(raw);
      } catch {
        labels[label] = raw;
      }
    });
    return { operation: route.operation, handler: HANDLERS[route.operation], labels };
  }
  return undefined;
}
