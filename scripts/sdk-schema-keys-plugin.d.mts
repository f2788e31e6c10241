import type { Plugin } from 'esbuild';

/** The schema modules of the SDK clients (POSIX or Windows paths). */
export const SCHEMA_MODULE: RegExp;
/** The module text with every `[_name]:` key whose `_name` is a top-level string constant made literal. */
export function literalSchemaKeys(source: string): string;
/** The esbuild plugin applying literalSchemaKeys to the SDK clients' schema modules. */
export function sdkSchemaKeysPlugin(): Plugin;
