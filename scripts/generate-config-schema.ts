// Writes config/remediation-config.schema.json from the zod schema of the remediation config, for
// editors (the config's "$schema" points at it). A test keeps the committed file up to date.
import { writeFileSync } from 'node:fs';
import { remediationConfigJsonSchema } from '../src/core/config-json-schema';

writeFileSync(
  'config/remediation-config.schema.json',
  `${JSON.stringify(remediationConfigJsonSchema(), null, 2)}\n`,
);
console.log('wrote config/remediation-config.schema.json');
