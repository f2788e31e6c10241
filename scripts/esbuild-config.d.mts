import type { BuildOptions, BuildResult } from 'esbuild';

/** esbuild BuildOptions for the production bundles (entry points and output left to the caller). */
export function productionBuildOptions(): BuildOptions;

/**
 * Bundles functions/<name>/index.ts into outdir (index.mjs plus its chunks) with the production options,
 * and the SDK's credential providers apart (credentials/); the metafile covers both builds.
 */
export function buildFunction<T extends BuildOptions>(
  root: string,
  name: string,
  outdir: string,
  extra?: T,
): Promise<BuildResult<T & { metafile: true }>>;
