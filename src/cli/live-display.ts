import { type Output, writeLine } from './output';

/** One line of a live display: `state` is what makes it worth printing again on a plain stream. */
export interface LiveLine {
  readonly id: string;
  readonly state: string;
  readonly text: string;
}

/**
 * Progress that updates in place on a TTY (the block of lines is redrawn: cursor up, clear line)
 * and, on anything else (a pipe, a CI log), prints a line only when its state changes.
 */
export function createLiveDisplay(output: Output) {
  const tty = Boolean(output.out.isTTY);
  const printed = new Map<string, string>();
  let drawn = 0;
  return {
    render(lines: readonly LiveLine[]): void {
      if (tty) {
        // ESC[nA moves the cursor up n lines, ESC[2K clears the line it is on.
        let text = drawn > 0 ? `\u001b[${drawn}A` : '';
        for (const line of lines) text += `\u001b[2K${line.text}\n`;
        output.out.write(text);
        drawn = lines.length;
        return;
      }
      for (const line of lines) {
        if (printed.get(line.id) === line.state) continue;
        printed.set(line.id, line.state);
        writeLine(output, line.text);
      }
    },
  };
}
