/** What a SigV4 Authorization header's credential scope says: `Credential=<key>/<date>/<region>/<service>/aws4_request`. */
export interface SigV4Credential {
  readonly accessKeyId: string;
  readonly region: string;
  readonly service: string;
}

export function sigV4Credential(authorization: string | undefined): SigV4Credential | undefined {
  const match = /Credential=([^/,\s]+)\/\d{8}\/([^/,\s]+)\/([^/,\s]+)\/aws4_request/.exec(
    authorization ?? '',
  );
  if (match === null) return undefined;
  return { accessKeyId: match[1] ?? '', region: match[2] ?? '', service: match[3] ?? '' };
}
