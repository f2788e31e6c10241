import type { Writable } from 'node:stream';

/** Where a command writes, and whether it may use colour (a TTY without NO_COLOR). */
export interface Output {
  readonly out: Writable & { isTTY?: boolean };
  readonly err: Writable;
  readonly colour: boolean;
}

export function processOutput(): Output {
  const noColor = process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '';
  return { out: process.stdout, err: process.stderr, colour: Boolean(process.stdout.isTTY) && !noColor };
}

const CODES = { bold: 1, dim: 2, red: 31, green: 32, yellow: 33, cyan: 36 } as const;
export type Style = keyof typeof CODES;

/** Wraps text in an ANSI style when colour is on. */
export function paint(output: Output, style: Style, text: string): string {
  return output.colour ? `\u001b[${CODES[style]}m${text}\u001b[0m` : text;
}

export function writeLine(output: Output, line = ''): void {
  output.out.write(`${line}\n`);
}

/** A plain text table: the first row is the header; numbers are right-aligned. */
export function table(rows: ReadonlyArray<ReadonlyArray<string | number>>, indent = '  '): string {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, String(cell).length);
    });
  }
  return rows
    .map(
      (row) =>
        indent +
        row
          .map((cell, i) =>
            typeof cell === 'number'
              ? String(cell).padStart(widths[i] ?? 0)
              : String(cell).padEnd(widths[i] ?? 0),
          )
          .join('  ')
          .trimEnd(),
    )
    .join('\n');
}
