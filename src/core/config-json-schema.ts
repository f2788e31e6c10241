import { AUDIT_CHECK_NAMES, AUDIT_CHECKS } from './check-catalog';
import { RemediationConfigSchema } from './config';
import * as z from './zod';

/**
 * The JSON Schema of the remediation config, generated from its zod schema, with the check names
 * and their reason codes spelt out so that editors complete them.
 */
export function remediationConfigJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(RemediationConfigSchema, { io: 'input' }) as Record<string, unknown> & {
    properties: Record<string, Record<string, unknown>>;
  };
  const checkSchema = schema.properties.checks?.additionalProperties as Record<string, unknown>;
  schema.properties.checks = {
    type: 'object',
    description: 'Per audit check (API names): the mitigation actions to apply.',
    propertyNames: { enum: AUDIT_CHECK_NAMES },
    properties: Object.fromEntries(
      AUDIT_CHECK_NAMES.map((check) => {
        const base = checkSchema as { properties: Record<string, Record<string, unknown>> };
        return [
          check,
          {
            ...base,
            properties: {
              ...base.properties,
              reasonCodes: {
                ...base.properties.reasonCodes,
                items: { enum: [...AUDIT_CHECKS[check].reasonCodes] },
              },
            },
          },
        ];
      }),
    ),
    additionalProperties: false,
  };
  return {
    $id: 'https://iot-audit-remediation/remediation-config.schema.json',
    title: 'iot-audit-remediation config',
    ...schema,
  };
}
