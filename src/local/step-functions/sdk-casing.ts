/**
 * Step Functions' aws-sdk integrations speak PascalCase (`TaskId`, `TaskStatistics`) while the JS SDK
 * speaks the API model's camelCase (`taskId`, `taskStatistics`). Only structure member names change
 * case: the keys of a map are data (audit check names such as `DEVICE_CERTIFICATE_EXPIRING_CHECK`) and
 * are kept as they are. This is why the conversion needs to know which members are maps.
 */

/**
 * The members of a structure (named in the SDK's camelCase) that are maps, or structures that hold
 * maps. Every other object is a structure and has its member names re-cased; list elements share the
 * description of their list. Map values are re-cased as structures without maps of their own, which is
 * all the audit-mitigation shapes need.
 */
export type MapMembers = { readonly [member: string]: 'map' | MapMembers };

const NO_MAPS: MapMembers = {};

/** Step Functions' PascalCase parameters -> the SDK's camelCase input. */
export function toSdkCasing(value: unknown, maps: MapMembers = NO_MAPS): unknown {
  return recase(value, maps, lowerFirst, (key) => key);
}

/**
 * The SDK's camelCase output -> Step Functions' PascalCase result. Timestamps, which the SDK hands out
 * as Date, become ISO-8601 strings (how Step Functions renders them is not confirmed; nothing in the
 * state machine reads them).
 */
export function toStepFunctionsCasing(value: unknown, maps: MapMembers = NO_MAPS): unknown {
  return recase(value, maps, (key) => key, upperFirst);
}

function recase(
  value: unknown,
  maps: MapMembers,
  toSdkName: (key: string) => string,
  toOutputName: (sdkName: string) => string,
): unknown {
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map((item) => recase(item, maps, toSdkName, toOutputName));
  if (!isRecord(value)) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, member]) => {
      const sdkName = toSdkName(key);
      const marks = maps[sdkName];
      const converted =
        marks === 'map'
          ? recaseMapValues(member, (item) => recase(item, NO_MAPS, toSdkName, toOutputName))
          : recase(member, marks ?? NO_MAPS, toSdkName, toOutputName);
      return [toOutputName(sdkName), converted];
    }),
  );
}

function recaseMapValues(map: unknown, convert: (item: unknown) => unknown): unknown {
  if (!isRecord(map)) return map;
  return Object.fromEntries(Object.entries(map).map(([key, item]) => [key, convert(item)]));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const lowerFirst = (name: string): string => name.charAt(0).toLowerCase() + name.slice(1);
const upperFirst = (name: string): string => name.charAt(0).toUpperCase() + name.slice(1);
