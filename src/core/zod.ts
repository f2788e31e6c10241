/**
 * zod for the product's schemas: `zod/mini`, the functional API of the same package, whose unused
 * parts tree-shake out of the Lambda bundles (zod's classic API loads about 95 kB at cold start, this
 * about a fifth of it). The English messages are registered here, as the classic API does on its own:
 * src/core/zod-problems.ts and the tests read them.
 */
import { config } from 'zod/mini';
import en from 'zod/v4/locales/en.js';

config(en());

export * from 'zod/mini';
