/** A resource of an audit finding, as ListAuditFindings returns it (camelCase, SDK v3). */
export interface FindingResource {
  readonly resourceType?: string;
  /** IoT's ResourceIdentifier, e.g. { deviceCertificateId }, { policyVersionIdentifier: { policyName, policyVersionId } }. */
  readonly resourceIdentifier?: Readonly<Record<string, unknown>>;
  readonly additionalInfo?: Readonly<Record<string, string>>;
}

/** One finding of an audit (ListAuditFindings), the members the planner reads. */
export interface AuditFinding {
  readonly findingId: string;
  readonly checkName: string;
  /** isSuppressed: never targeted by findingIds nor previewed, but seen by protection. */
  readonly suppressed?: boolean;
  readonly reasonForNonComplianceCode?: string;
  readonly nonCompliantResource?: FindingResource;
  readonly relatedResources?: readonly FindingResource[];
}

/** The findings of one check as read from IoT; `complete` is false when the read budget ran out first. */
export interface CheckFindings {
  readonly findings: readonly AuditFinding[];
  readonly complete: boolean;
}

/** The certificate id at the end of a certificate ARN (arn:aws:iot:<region>:<account>:cert/<id>). */
export function certificateIdOfArn(arn: string): string | undefined {
  const match = /:cert\/([a-fA-F0-9x]+)$/.exec(arn);
  return match?.[1];
}
