// esbuild plugin: lets the bundler drop the unused part of an AWS SDK client's schemas.
//
// The generated schema module of each SDK v3 client (dist-es/schemas/schemas_0.js) writes its traits
// with computed keys, `{ [_hQ]: _sAA }`, where `const _hQ = "httpQuery"` is a module constant. esbuild
// treats a computed key as a possible side effect (a key's toString may run code), so it keeps every
// schema of the service: 110 kB of the IoT client's 126 kB, for two operations used. This plugin
// rewrites each computed key whose name is a string constant of that module into the string itself,
// `{ "httpQuery": _sAA }`, which is the same object; nothing else changes. The schemas then shake.
//
// It can go once the SDK emits literal keys (aws/aws-sdk-js-v3 issue 7607): the test
// test/unit/build/sdk-schema-keys-plugin.test.ts checks that every request the product sends is
// byte for byte the same with and without it.
import { readFile } from 'node:fs/promises';

/** The schema modules of the SDK clients (POSIX or Windows paths). */
export const SCHEMA_MODULE = /[\\/]@aws-sdk[\\/]client-[^\\/]+[\\/]dist-es[\\/]schemas[\\/]schemas_\d+\.js$/;

/** The module text with every `[_name]:` key whose `_name` is a top-level string constant made literal. */
export function literalSchemaKeys(source) {
  const constants = new Map();
  for (const [, name, value] of source.matchAll(/^const (_\w+) = ("(?:[^"\\\n]|\\.)*");$/gm)) {
    constants.set(name, value);
  }
  return source.replace(/\[(_\w+)\]:/g, (key, name) => {
    const value = constants.get(name);
    return value === undefined ? key : `${value}:`;
  });
}

/** The esbuild plugin applying literalSchemaKeys to the SDK clients' schema modules. */
export function sdkSchemaKeysPlugin() {
  return {
    name: 'sdk-schema-literal-keys',
    setup(build) {
      build.onLoad({ filter: SCHEMA_MODULE }, async ({ path }) => ({
        contents: literalSchemaKeys(await readFile(path, 'utf8')),
        loader: 'js',
      }));
    },
  };
}
