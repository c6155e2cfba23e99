/** Data on stdout, logs and progress on stderr; colour only on a TTY without NO_COLOR. */
import { useColor } from '../log.js';

export interface Output {
  /** Writes data (a line of text, or JSON in --json mode) to stdout. */
  data(value: unknown): void;
  /** A line for the person at the terminal (stderr). */
  note(text: string): void;
  /** Starts a long step; returns a function that ends it with a result word. */
  progress(step: string): (result?: string) => void;
  color: boolean;
  json: boolean;
}

export interface OutputOptions {
  json?: boolean;
  stdout?: { write(s: string): unknown; isTTY?: boolean };
  stderr?: { write(s: string): unknown; isTTY?: boolean };
  /** Colour the progress marks; default: stderr is a TTY and NO_COLOR is unset. */
  color?: boolean;
}

export function createOutput(o: OutputOptions = {}): Output {
  const stdout = o.stdout ?? process.stdout;
  const stderr = o.stderr ?? process.stderr;
  const color = o.color ?? useColor(stderr);
  const json = !!o.json;
  return {
    color,
    json,
    data(value) {
      stdout.write((typeof value === 'string' && !json ? value : JSON.stringify(value)) + '\n');
    },
    note(text) {
      stderr.write(text + '\n');
    },
    progress(step) {
      const start = Date.now();
      if (stderr.isTTY) stderr.write(`${color ? '\x1b[2m' : ''}… ${step}${color ? '\x1b[0m' : ''}\n`);
      else stderr.write(`… ${step}\n`);
      return (result = 'done') => {
        const s = ((Date.now() - start) / 1000).toFixed(1);
        const mark = result === 'done' || result.startsWith('ok') ? (color ? '\x1b[32m✓\x1b[0m' : '✓') : color ? '\x1b[31m✗\x1b[0m' : '✗';
        stderr.write(`${mark} ${step}: ${result} (${s} s)\n`);
      };
    },
  };
}

/** Pads a table of rows for the terminal. */
export function table(rows: string[][]): string {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ')).join('\n');
}
