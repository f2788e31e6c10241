import {
  DescribeAuditMitigationActionsTaskCommand,
  DescribeAuditTaskCommand,
  DescribeCertificateCommand,
  type IoTClient,
  ListAuditFindingsCommand,
  ListAuditMitigationActionsExecutionsCommand,
  ListPrincipalThingsCommand,
  ListThingPrincipalsCommand,
  ListThingsInThingGroupCommand,
  type ResourceIdentifier,
  type AuditFinding as SdkAuditFinding,
  StartAuditMitigationActionsTaskCommand,
} from '@aws-sdk/client-iot';
import {
  AuditNotFoundError,
  type FindingsApi,
  type MitigationApi,
  type MitigationResults,
  type ResourceDirectory,
  StartBlockedError,
  StartRefusedError,
  TaskNotFoundError,
  type VerificationApi,
} from '../app/ports';
import {
  type AuditFinding,
  type CheckFindings,
  certificateIdOfArn,
  type DescribedAuditTask,
  type FindingResource,
  normaliseCertificateId,
  type StartMitigationRequest,
  toStatisticsRows,
} from '../core';

// Both are retried by the SDK (LimitExceededException is on its throttling list); when they still
// come back, the start is handed to the state machine's durable retry instead of being lost.
const BLOCKING_ERRORS = new Set(['ThrottlingException', 'LimitExceededException']);

/**
 * The IoT calls of the start-mitigation function. Reads may go through their own client (`reads`),
 * configured to outlast a burst of the read quota; starts keep theirs.
 */
export function createIotMitigationApi(client: IoTClient, reads: IoTClient = client): MitigationApi {
  return {
    async startTask(request: StartMitigationRequest) {
      try {
        await client.send(
          new StartAuditMitigationActionsTaskCommand({
            taskId: request.taskId,
            target: {
              auditTaskId: request.target.auditTaskId,
              findingIds: request.target.findingIds ? [...request.target.findingIds] : undefined,
              auditCheckToReasonCodeFilter: request.target.auditCheckToReasonCodeFilter as
                | Record<string, string[]>
                | undefined,
            },
            auditCheckToActionsMapping: request.auditCheckToActionsMapping as Record<string, string[]>,
            // Always explicit: left out, the SDK would fill in a random token per send.
            clientRequestToken: request.clientRequestToken,
          }),
        );
        return 'started';
      } catch (error) {
        const name = (error as Error).name;
        // Same task id with another token: the task exists, which is all this step needs.
        if (name === 'TaskAlreadyExistsException') return 'already-started';
        if (BLOCKING_ERRORS.has(name))
          throw new StartBlockedError(`${name}: ${(error as Error).message}`, { cause: error });
        if (name === 'InvalidRequestException')
          throw new StartRefusedError(
            `IoT refused to start mitigation task ${request.taskId} (${name}: ${(error as Error).message}); no workflow was started`,
            { cause: error },
          );
        throw error;
      }
    },

    async describeAudit(auditTaskId: string): Promise<DescribedAuditTask> {
      const out = await reads.send(new DescribeAuditTaskCommand({ taskId: auditTaskId })).catch((error) => {
        if ((error as Error).name !== 'ResourceNotFoundException') throw error;
        throw new AuditNotFoundError(`audit ${auditTaskId} does not exist`, { cause: error });
      });
      return {
        taskStatus: out.taskStatus,
        taskType: out.taskType,
        scheduledAuditName: out.scheduledAuditName,
        auditDetails: out.auditDetails,
      };
    },
  };
}

/** DescribeAuditMitigationActionsTask and DescribeAuditTask: what the verification audit reads. */
export function createIotVerificationApi(client: IoTClient): VerificationApi {
  const mitigation = createIotMitigationApi(client);
  return {
    async describeTask(taskId) {
      const out = await client.send(new DescribeAuditMitigationActionsTaskCommand({ taskId }));
      return {
        status: out.taskStatus ?? 'UNKNOWN',
        statistics: (out.taskStatistics ?? {}) as Record<string, Record<string, unknown>>,
        target: {
          ...(out.target?.auditTaskId !== undefined ? { auditTaskId: out.target.auditTaskId } : {}),
          ...(out.target?.findingIds !== undefined ? { findingIds: out.target.findingIds } : {}),
          ...(out.target?.auditCheckToReasonCodeFilter !== undefined
            ? { auditCheckToReasonCodeFilter: out.target.auditCheckToReasonCodeFilter }
            : {}),
        },
      };
    },
    describeAudit: (auditTaskId) => mitigation.describeAudit(auditTaskId),
  };
}

/** Calls a paged IoT list operation until the last page or `maxPages`; `complete` says which. */
async function pages<T>(
  maxPages: number,
  read: (nextToken: string | undefined) => Promise<{ items: T[]; nextToken?: string }>,
): Promise<{ items: T[]; complete: boolean }> {
  const items: T[] = [];
  let nextToken: string | undefined;
  for (let page = 0; page < maxPages; page++) {
    const out = await read(nextToken);
    items.push(...out.items);
    nextToken = out.nextToken;
    if (!nextToken) return { items, complete: true };
  }
  return { items, complete: false };
}

/** Registry lists have no natural bound: read them whole. */
const ALL_PAGES = Number.MAX_SAFE_INTEGER;

function isNotFound(error: unknown): boolean {
  return (error as Error).name === 'ResourceNotFoundException';
}

/** The partition of a region (ARNs): aws, aws-cn, aws-us-gov. */
export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

export interface FindingsApiOptions {
  /**
   * The account of the audit: the certificate ARN ListPrincipalThings takes is then built
   * (arn:<partition>:iot:<region>:<account>:cert/<id>) instead of read with DescribeCertificate.
   */
  readonly accountId?: string;
}

/** ListAuditFindings and ListPrincipalThings: the findings of a check and the things of a certificate. */
export function createIotFindingsApi(client: IoTClient, options: FindingsApiOptions = {}): FindingsApi {
  async function certificateArn(certificateId: string): Promise<string | undefined> {
    if (options.accountId !== undefined) {
      const region = await client.config.region();
      return `arn:${partitionOf(region)}:iot:${region}:${options.accountId}:cert/${normaliseCertificateId(certificateId)}`;
    }
    const described = await client.send(new DescribeCertificateCommand({ certificateId }));
    return described.certificateDescription?.certificateArn;
  }
  return {
    async listFindings(auditTaskId, checkName, maxPages): Promise<CheckFindings> {
      const { items, complete } = await pages(maxPages, async (nextToken) => {
        const out = await client.send(
          new ListAuditFindingsCommand({
            taskId: auditTaskId,
            checkName,
            // Both kinds: IoT may act on a suppressed finding of an auditTaskId target, so protection
            // must see them; the planner leaves them out of findingIds batches and previews.
            listSuppressedFindings: true,
            maxResults: 250,
            nextToken,
          }),
        );
        return { items: out.findings ?? [], nextToken: out.nextToken };
      });
      return { findings: items.map(toAuditFinding), complete };
    },

    async findingsOfResource(auditTaskId, checkName, resource): Promise<CheckFindings> {
      const out = await client.send(
        new ListAuditFindingsCommand({
          taskId: auditTaskId,
          checkName,
          // As IoT returned it in the remediated audit's finding: the same resource in any audit.
          resourceIdentifier: resource.resourceIdentifier as ResourceIdentifier,
          listSuppressedFindings: true,
          maxResults: 250,
        }),
      );
      return { findings: (out.findings ?? []).map(toAuditFinding), complete: !out.nextToken };
    },

    async thingsOfCertificate(certificateId) {
      try {
        // ListPrincipalThings takes the certificate's ARN: built from the account when known.
        const principal = await certificateArn(certificateId);
        if (!principal) return [];
        const { items } = await pages(ALL_PAGES, async (nextToken) => {
          const out = await client.send(
            new ListPrincipalThingsCommand({ principal, maxResults: 250, nextToken }),
          );
          return { items: out.things ?? [], nextToken: out.nextToken };
        });
        return items;
      } catch (error) {
        if (isNotFound(error)) return [];
        throw error;
      }
    },
  };
}

/** A finding as the planner reads it; one without an id cannot be targeted nor left alone reliably. */
function toAuditFinding(finding: SdkAuditFinding): AuditFinding {
  if (!finding.findingId || !finding.checkName)
    throw new Error('ListAuditFindings returned a finding without findingId or checkName');
  return {
    findingId: finding.findingId,
    checkName: finding.checkName,
    ...(finding.isSuppressed ? { suppressed: true } : {}),
    ...(finding.reasonForNonComplianceCode !== undefined
      ? { reasonForNonComplianceCode: finding.reasonForNonComplianceCode }
      : {}),
    ...(finding.nonCompliantResource
      ? { nonCompliantResource: toResource(finding.nonCompliantResource) }
      : {}),
    relatedResources: (finding.relatedResources ?? []).map(toResource),
  };
}

function toResource(resource: {
  resourceType?: string;
  resourceIdentifier?: object;
  additionalInfo?: Record<string, string>;
}): FindingResource {
  return {
    ...(resource.resourceType !== undefined ? { resourceType: resource.resourceType } : {}),
    ...(resource.resourceIdentifier
      ? { resourceIdentifier: { ...resource.resourceIdentifier } as Record<string, unknown> }
      : {}),
    ...(resource.additionalInfo ? { additionalInfo: resource.additionalInfo } : {}),
  };
}

/** ListThingsInThingGroup (recursive) and ListThingPrincipals, to resolve protect selectors. */
export function createIotResourceDirectory(client: IoTClient): ResourceDirectory {
  return {
    async thingsInGroup(thingGroupName) {
      try {
        const { items } = await pages(ALL_PAGES, async (nextToken) => {
          const out = await client.send(
            new ListThingsInThingGroupCommand({
              thingGroupName,
              recursive: true,
              maxResults: 250,
              nextToken,
            }),
          );
          return { items: out.things ?? [], nextToken: out.nextToken };
        });
        return items;
      } catch (error) {
        // A group that does not exist protects nothing more than its name already does.
        if (isNotFound(error)) return [];
        throw error;
      }
    },

    async certificatesOfThing(thingName) {
      try {
        const { items } = await pages(ALL_PAGES, async (nextToken) => {
          const out = await client.send(
            new ListThingPrincipalsCommand({ thingName, maxResults: 250, nextToken }),
          );
          return { items: out.principals ?? [], nextToken: out.nextToken };
        });
        // Principals are ARNs: certificates (…:cert/<id>), Cognito identities, IAM users; only the first are findings' resources.
        return items.flatMap((arn) => {
          const id = certificateIdOfArn(arn);
          return id ? [id] : [];
        });
      } catch (error) {
        if (isNotFound(error)) return [];
        throw error;
      }
    },
  };
}

/** DescribeAuditMitigationActionsTask and ListAuditMitigationActionsExecutions: a task's results. */
export function createIotMitigationResults(client: IoTClient): MitigationResults {
  return {
    async describeTask(taskId) {
      try {
        const task = await client.send(new DescribeAuditMitigationActionsTaskCommand({ taskId }));
        return {
          status: task.taskStatus ?? 'UNKNOWN',
          statistics: toStatisticsRows(task.taskStatistics),
          checks: Object.keys(task.auditCheckToActionsMapping ?? {}).sort(),
          target: {
            ...(task.target?.auditTaskId ? { auditTaskId: task.target.auditTaskId } : {}),
            ...(task.target?.findingIds ? { findingIds: task.target.findingIds } : {}),
          },
        };
      } catch (error) {
        if (isNotFound(error)) throw new TaskNotFoundError(`No mitigation task ${taskId}`, { cause: error });
        throw error;
      }
    },

    async listExecutions(taskId, findingId) {
      let calls = 0;
      const { items } = await pages(ALL_PAGES, async (nextToken) => {
        calls++;
        const out = await client.send(
          new ListAuditMitigationActionsExecutionsCommand({ taskId, findingId, nextToken }),
        );
        return { items: out.actionsExecutions ?? [], nextToken: out.nextToken };
      });
      const executions = items.map((e) => ({
        actionName: e.actionName ?? '',
        status: e.status ?? 'UNKNOWN',
        ...(e.errorCode ? { errorCode: e.errorCode } : {}),
        ...(e.message ? { message: e.message } : {}),
      }));
      return { executions, calls };
    },
  };
}
