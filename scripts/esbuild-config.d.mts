import type { BuildOptions } from 'esbuild';

/** esbuild BuildOptions for the production bundles (entry points and output left to the caller). */
export function productionBuildOptions(): BuildOptions;
