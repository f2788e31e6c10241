import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, type Metafile } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { productionBuildOptions } from '../../../scripts/esbuild-config.mjs';
import { literalSchemaKeys, SCHEMA_MODULE } from '../../../scripts/sdk-schema-keys-plugin.mjs';
import type { Exchange } from './sdk-probe';

/** Bytes of the IoT client's schema module in a build. */
function iotSchemaBytes(meta: Metafile): number {
  let total = 0;
  for (const output of Object.values(meta.outputs))
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs))
      if (input.includes('client-iot/dist-es/schemas/')) total += bytesInOutput;
  return total;
}

describe('the SDK schema-keys build plugin', () => {
  const work = mkdtempSync(join(tmpdir(), 'iot-schema-plugin-'));
  const built: Record<'plugged' | 'unplugged', { exchanges: Exchange[]; iotSchemaBytes: number }> = {
    plugged: { exchanges: [], iotSchemaBytes: 0 },
    unplugged: { exchanges: [], iotSchemaBytes: 0 },
  };

  beforeAll(async () => {
    for (const variant of ['plugged', 'unplugged'] as const) {
      const options = productionBuildOptions();
      const outdir = join(work, variant);
      const result = await build({
        ...options,
        ...(variant === 'unplugged' ? { plugins: [] } : {}),
        entryPoints: [join(import.meta.dirname, 'sdk-probe.ts')],
        entryNames: 'index',
        outdir,
        metafile: true,
        logLevel: 'error',
      });
      // The same instant for both builds: the SigV4 signatures must then match too.
      vi.useFakeTimers({ toFake: ['Date'], now: new Date('2026-01-01T00:00:00Z') });
      try {
        const { probe } = (await import(pathToFileURL(join(outdir, 'index.mjs')).href)) as {
          probe: () => Promise<Exchange[]>;
        };
        built[variant] = { exchanges: await probe(), iotSchemaBytes: iotSchemaBytes(result.metafile) };
      } finally {
        vi.useRealTimers();
      }
    }
  }, 60_000);
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('is part of the production build options', () => {
    expect(productionBuildOptions().plugins?.map((p) => p.name)).toEqual(['sdk-schema-literal-keys']);
  });

  it('sends every request of the functions byte for byte as the unplugged SDK does, and reads every answer alike', () => {
    const { plugged, unplugged } = built;
    expect(plugged.exchanges.map((e) => e.step)).toEqual(unplugged.exchanges.map((e) => e.step));
    expect(plugged.exchanges.length).toBe(14);
    for (const [i, exchange] of plugged.exchanges.entries()) {
      const reference = unplugged.exchanges[i];
      expect(exchange.request, exchange.step).toStrictEqual(reference?.request);
      expect(exchange.outcome, exchange.step).toStrictEqual(reference?.outcome);
    }
    // The probe really went through the serializers: a signed request with the planned body.
    const start = plugged.exchanges[0];
    expect(start?.request).toMatchObject({
      method: 'POST',
      path: '/audit/mitigationactions/tasks/remediate-audit1-abc123',
    });
    expect(start?.request.headers.authorization).toContain('AWS4-HMAC-SHA256 Credential=AKIDPROBE/20260101/');
    expect(JSON.parse(start?.request.body ?? '')).toMatchObject({ clientRequestToken: 'token-abc123' });
    expect(plugged.exchanges.find((e) => e.step === 'iot start, limit')?.outcome).toMatchObject({
      error: 'StartBlockedError',
    });
  });

  it('lets the unused IoT schemas go: the schema module shrinks to a fraction', () => {
    expect(built.unplugged.iotSchemaBytes).toBeGreaterThan(50_000);
    expect(built.plugged.iotSchemaBytes).toBeLessThan(built.unplugged.iotSchemaBytes / 3);
  });

  it('makes a key literal only when it names a string constant of the module', () => {
    const source = [
      'const _hQ = "httpQuery";',
      'const _q = "a \\"quoted\\" name";',
      'let _v = "not a constant";',
      'export var A$ = [3, n0, _A, 0, [_x], [[0, { [_hQ]: _x, [_q]: 1, [_v]: 2, [_other]: 3 }]]];',
    ].join('\n');
    expect(literalSchemaKeys(source).split('\n')[3]).toBe(
      'export var A$ = [3, n0, _A, 0, [_x], [[0, { "httpQuery": _x, "a \\"quoted\\" name": 1, [_v]: 2, [_other]: 3 }]]];',
    );
  });

  it.each([
    ['/n/node_modules/@aws-sdk/client-iot/dist-es/schemas/schemas_0.js', true],
    ['C:\\n\\node_modules\\@aws-sdk\\client-ssm\\dist-es\\schemas\\schemas_12.js', true],
    ['/n/node_modules/@aws-sdk/client-iot/dist-cjs/schemas/schemas_0.js', false],
    ['/n/node_modules/@aws-sdk/core/dist-es/schemas/schemas_0.js', false],
  ])('applies to %s: %s', (path, applies) => {
    expect(SCHEMA_MODULE.test(path)).toBe(applies);
  });
});
