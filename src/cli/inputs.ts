import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  type AuditCompletion,
  InvalidInputError,
  InvalidJsonError,
  parseAuditCompletionInput,
  parseRemediationConfig,
  parseStrictJson,
  type RemediationConfig,
} from '../core';
import { InputError, UsageError } from './errors';

/** Reads a JSON file, turning a missing file or bad JSON into an InputError that names the file. */
export function readJsonFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new InputError(
      `cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
  try {
    // Strict: a key repeated in one object would be resolved by JSON.parse silently (last one wins).
    return parseStrictJson(text);
  } catch (error) {
    if (!(error instanceof InvalidJsonError)) throw error;
    if (error.cause instanceof Error) {
      throw new InputError(`${path} is not valid JSON: ${error.cause.message}`, { cause: error });
    }
    return prefixed(path, error);
  }
}

/** An input error of the file at `path` as an InputError listing every problem (exit 2); other errors as they are. */
export function prefixed(path: string, error: unknown): never {
  if (error instanceof InvalidInputError) {
    const lines = error.problems.map((p) => `  ${p.path || '(root)'}: ${p.message}`).join('\n');
    throw new InputError(`${path}: ${error.message.split(':')[0]}\n${lines}`, { cause: error });
  }
  throw error;
}

/** The default config shipped with the function. */
export const DEFAULT_CONFIG_PATH = 'config/remediation.json';

/** Loads and validates a remediation config file. */
export function loadConfig(path = DEFAULT_CONFIG_PATH): RemediationConfig {
  const document = readJsonFile(path);
  try {
    return parseRemediationConfig(document);
  } catch (error) {
    return prefixed(path, error);
  }
}

/** One audit-completion input read from disk. */
export interface EventFile {
  readonly path: string;
  readonly raw: unknown;
  readonly completion: AuditCompletion;
}

/** Parses one event file; every problem is reported with the file's name. */
export function loadEvent(path: string): EventFile {
  const raw = readJsonFile(path);
  try {
    return { path, raw, completion: parseAuditCompletionInput(raw) };
  } catch (error) {
    return prefixed(path, error);
  }
}

/** Expands files and folders (their *.json, sorted) and parses every event before anything runs. */
export function loadEvents(paths: readonly string[]): EventFile[] {
  if (paths.length === 0) throw new UsageError('no event file or folder given');
  const files = paths.flatMap((path) => {
    let isDirectory: boolean;
    try {
      isDirectory = statSync(path).isDirectory();
    } catch {
      throw new InputError(`cannot read ${path}: no such file or folder`);
    }
    if (!isDirectory) return [path];
    const inside = readdirSync(path)
      .filter((f) => f.endsWith('.json'))
      .sort()
      .map((f) => join(path, f));
    if (inside.length === 0) throw new InputError(`${path} holds no .json event file`);
    return inside;
  });
  return files.map(loadEvent);
}

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** A duration such as `500ms`, `10s`, `15m`, `24h` or `7d`, in milliseconds. */
export function parseDuration(text: string, option: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(text.trim());
  if (!match) throw new UsageError(`${option} ${text}: expected a duration such as 30s, 15m, 24h or 7d`);
  return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
}

/** A point in time: ISO 8601 (`2026-01-31T12:00:00Z`), or a duration ago (`24h` = 24 hours before `now`). */
export function parseTime(text: string, option: string, now: number): Date {
  if (/^\d+(?:\.\d+)?(ms|s|m|h|d)$/.test(text.trim())) return new Date(now - parseDuration(text, option));
  const ms = Date.parse(text);
  if (!/^\d{4}-\d{2}-\d{2}/.test(text) || Number.isNaN(ms)) {
    throw new UsageError(
      `${option} ${text}: expected an ISO 8601 time (2026-01-31T12:00:00Z) or a duration ago (24h)`,
    );
  }
  return new Date(ms);
}
