import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Reads a JSON file relative to the repository root. */
export function readJson(path: string): unknown {
  return JSON.parse(readFileSync(path, 'utf8'));
}

/** The sample events of events/, by file name. */
export function sampleEvents(): Array<[string, unknown]> {
  return readdirSync('events')
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => [f, readJson(join('events', f))]);
}
