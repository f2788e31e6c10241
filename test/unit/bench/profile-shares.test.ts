import { describe, expect, it } from 'vitest';
import { bundleSources, type CpuProfile, profileShares } from '../../../bench/profile-shares';

const BUNDLE = [
  '// src/cli/main.ts',
  'main();',
  '// node_modules/@smithy/core/index.js',
  'send();',
  '// src/local/gateway.ts',
  'listen();',
].join('\n');
const CLI = '/repo/dist/cli/iot-remediate.mjs';

/** A profile of one chain per sample: each frame as [functionName, url, line]. */
function profileOf(
  samples: readonly { us: number; frames: readonly [string, string, number][] }[],
): CpuProfile {
  const nodes: {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
    children: number[];
  }[] = [{ id: 1, callFrame: { functionName: '(root)', url: '', lineNumber: -1 }, children: [] }];
  const ids: number[] = [];
  for (const sample of samples) {
    let parent = nodes[0] as (typeof nodes)[number];
    for (const [functionName, url, lineNumber] of sample.frames) {
      const node = { id: nodes.length + 1, callFrame: { functionName, url, lineNumber }, children: [] };
      nodes.push(node);
      parent.children.push(node.id);
      parent = node;
    }
    ids.push(parent.id);
  }
  return { nodes, samples: ids, timeDeltas: samples.map((s) => s.us) };
}

describe('bench: who spends a profile', () => {
  it("maps a bundle's lines to the source esbuild's comments name", () => {
    const sourceOf = bundleSources(BUNDLE);
    expect([0, 1, 3, 5].map(sourceOf)).toEqual([
      'src/cli/main.ts',
      'src/cli/main.ts',
      'node_modules/@smithy/core/index.js',
      'src/local/gateway.ts',
    ]);
  });

  it("gives the SDK's and Node's time to whoever called them, and the rest to nobody", () => {
    const profile = profileOf([
      // The CLI (product) calling the SDK.
      {
        us: 30,
        frames: [
          ['main', `file://${CLI}`, 1],
          ['send', `file://${CLI}`, 3],
        ],
      },
      // A function's bundle: the product, whatever it calls.
      {
        us: 20,
        frames: [
          ['handler', 'file:///repo/dist/functions/dispatcher/index.mjs?instance=3', 10],
          ['writev', '', -1],
        ],
      },
      // The stack's gateway, and Node's HTTP server parsing a request for it.
      {
        us: 40,
        frames: [
          ['listen', `file://${CLI}`, 5],
          ['send', `file://${CLI}`, 3],
        ],
      },
      { us: 5, frames: [['parserOnIncoming', 'node:_http_server', 1]] },
      // The SDK resumed from a microtask (no caller known), and the garbage collector.
      { us: 3, frames: [['send', `file://${CLI}`, 3]] },
      { us: 2, frames: [['(garbage collector)', '', -1]] },
    ]);
    const shares = profileShares(profile, 'dist/cli/iot-remediate.mjs', bundleSources(BUNDLE));
    expect(shares.us).toEqual({ product: 50, stack: 45, other: 5 });
    expect(shares.share.stack).toBeCloseTo(0.45);
  });

  it('reads whose a source is from its path when the sources ran as they are (tsx)', () => {
    const profile = profileOf([
      { us: 7, frames: [['handle', 'file:///repo/src/local/iot-emulator/emulator.ts', 10]] },
      {
        us: 5,
        frames: [['execute', 'file:///repo/node_modules/aws-local-stepfunctions/build/main.node.esm.js', 1]],
      },
      {
        us: 3,
        frames: [
          ['plan', 'file:///repo/src/core/plan.ts', 1],
          ['send', 'file:///repo/node_modules/@smithy/core/x.js', 1],
        ],
      },
      { us: 1, frames: [['main', 'file:///repo/bench/local-scaling-run.ts', 1]] },
    ]);
    expect(profileShares(profile).us).toEqual({ product: 3, stack: 12, other: 1 });
  });
});
