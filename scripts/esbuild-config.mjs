// The esbuild options of every Lambda bundle, from scripts/esbuild-options.json, and the one function
// that builds a Lambda function with them: used by scripts/build.mjs (dist/, and the Makefile that
// `sam build` runs) and by the cold-start benchmark, so the bytes measured are the bytes deployed.
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { build } from 'esbuild';
import { sdkSchemaKeysPlugin } from './sdk-schema-keys-plugin.mjs';

/** esbuild BuildOptions for the production bundles (entry points and output left to the caller). */
export function productionBuildOptions() {
  const options = JSON.parse(readFileSync(new URL('./esbuild-options.json', import.meta.url), 'utf8'));
  return {
    bundle: options.bundle,
    minify: options.minify,
    sourcemap: options.sourcemap,
    platform: options.platform,
    target: options.target,
    format: options.format,
    outExtension: { '.js': options.outExtension },
    banner: { js: options.banner },
    external: options.external,
    // ESM entry points of the SDK tree-shake far better than its CommonJS ones.
    mainFields: options.mainFields,
    // Dynamic imports (the SSM client, the SDK's rarely used credential providers) become chunks of
    // their own that load on first use instead of at cold start.
    splitting: options.splitting,
    chunkNames: options.chunkNames,
    // Literal keys in the SDK clients' schema modules, so that unused schemas shake (see the plugin).
    plugins: [sdkSchemaKeysPlugin()],
    logLevel: 'warning',
    legalComments: 'none',
  };
}

/**
 * The credential providers that the SDK's default chain (@aws-sdk/credential-provider-node) imports
 * on demand, after the environment's, by the name of their bundle. A Lambda function always has its
 * credentials in the environment, so none of them is ever loaded there.
 */
const CREDENTIAL_PROVIDERS = {
  '@aws-sdk/credential-provider-sso': 'sso',
  '@aws-sdk/credential-provider-ini': 'ini',
  '@aws-sdk/credential-provider-process': 'process',
  '@aws-sdk/credential-provider-web-identity': 'web-identity',
  '@aws-sdk/credential-provider-http': 'http',
  '@smithy/credential-provider-imds': 'imds',
};
const CREDENTIALS_DIR = 'credentials';

/**
 * esbuild plugin: the default chain's dynamic imports of the providers above become imports of a
 * bundle of their own (./credentials/<name>.mjs, built apart by buildFunction), noted in `used`.
 *
 * Why apart: with code splitting, esbuild assigns a whole file to a chunk by which entry points can
 * reach the file through any import, while it keeps the code that any of them uses. A module that only
 * a provider needs (the STS client's query protocol and XML parser, the SSO client's REST protocol)
 * but that sits in a file the function reaches through an index module (@aws-sdk/core/protocols)
 * lands in a chunk loaded at start: about 20 to 35 kB per function. A bundle built apart shares no
 * chunk with the function; it carries its own copy of the SDK core, loaded only if the chain ever gets
 * past the environment's credentials.
 */
function credentialProvidersApart(used) {
  const filter = new RegExp(`^(${Object.keys(CREDENTIAL_PROVIDERS).join('|')})$`);
  return {
    name: 'credential-providers-apart',
    setup(build) {
      build.onResolve({ filter }, (args) => {
        if (
          args.kind !== 'dynamic-import' ||
          !/[\\/]@aws-sdk[\\/]credential-provider-node[\\/]/.test(args.importer)
        ) {
          return undefined;
        }
        const name = CREDENTIAL_PROVIDERS[args.path];
        used.set(args.path, name);
        return { path: `./${CREDENTIALS_DIR}/${name}.mjs`, external: true };
      });
    },
  };
}

/**
 * Bundles functions/<name>/index.ts into outdir (index.mjs plus its chunks) with the production options,
 * and the credential providers its SDK clients may import into a credentials/ directory next to the
 * output that imports them (see credentialProvidersApart). `root` is the repository root; extra
 * options (e.g. `metafile`, `write`) are merged in. The result's metafile and outputFiles cover both.
 */
export async function buildFunction(root, name, outdir, extra = {}) {
  const options = productionBuildOptions();
  const used = new Map();
  const main = await build({
    ...options,
    plugins: [...options.plugins, credentialProvidersApart(used)],
    entryPoints: [join(root, 'functions', name, 'index.ts')],
    entryNames: 'index',
    outdir,
    ...extra,
    metafile: true,
  });
  if (used.size === 0) return main;
  const importers = Object.entries(main.metafile.outputs)
    .filter(([, output]) =>
      output.imports.some((i) => i.external && i.path.startsWith(`./${CREDENTIALS_DIR}/`)),
    )
    .map(([path]) => dirname(resolve(path)));
  const dirs = [...new Set(importers)];
  if (dirs.length !== 1) {
    throw new Error(
      `the credential providers are imported from ${dirs.length} directories: ${dirs.join(', ')}`,
    );
  }
  const providers = await build({
    ...options,
    entryPoints: Object.fromEntries([...used].map(([specifier, bundle]) => [bundle, specifier])),
    entryNames: '[name]',
    outdir: join(dirs[0], CREDENTIALS_DIR),
    ...extra,
    metafile: true,
  });
  return {
    ...main,
    errors: [...main.errors, ...providers.errors],
    warnings: [...main.warnings, ...providers.warnings],
    outputFiles: main.outputFiles && [...main.outputFiles, ...(providers.outputFiles ?? [])],
    metafile: {
      inputs: { ...main.metafile.inputs, ...providers.metafile.inputs },
      outputs: { ...main.metafile.outputs, ...providers.metafile.outputs },
    },
  };
}
