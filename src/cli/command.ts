import type { ParseArgsConfig } from 'node:util';
import type { Output } from './output';

/** Parsed command line of one command. */
export interface CommandArgs {
  readonly positionals: string[];
  readonly values: Record<string, string | boolean | (string | boolean)[] | undefined>;
}

/** One subcommand of iot-remediate: its help and what it does. Returns the exit code. */
export interface Command {
  readonly name: string;
  readonly summary: string;
  readonly usage: string;
  /** Help text after the usage line: options and examples. */
  readonly help: string;
  readonly options: NonNullable<ParseArgsConfig['options']>;
  run(args: CommandArgs, output: Output): Promise<number>;
}

/** String value of an option, or undefined. */
export function stringOption(args: CommandArgs, name: string): string | undefined {
  const value = args.values[name];
  return typeof value === 'string' ? value : undefined;
}
