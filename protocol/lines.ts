/**
 * Splits a byte stream into lines with a bound on their length, so that a
 * stream of garbage without a newline never grows a buffer without end.
 * Bytes are kept as char codes 0..255 (latin1), the codec's string form.
 */
export interface LineSplitterEvents {
  /** A complete line, without "\n" or "\r\n". Empty lines are skipped. */
  line(line: string): void;
  /** A line longer than the bound: its bytes were dropped up to the next "\n". */
  overlong(length: number): void;
}

export class LineSplitter {
  private buf = '';
  private skipping = 0;

  /** @param maxLength longest line kept, terminator excluded */
  constructor(
    private readonly maxLength: number,
    private readonly on: LineSplitterEvents,
  ) {}

  push(chunk: Uint8Array | string): void {
    const s = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('latin1');
    let start = 0;
    for (;;) {
      const nl = s.indexOf('\n', start);
      const piece = nl < 0 ? s.slice(start) : s.slice(start, nl);
      if (this.skipping) this.skipping += piece.length;
      else {
        this.buf += piece;
        // one extra byte allowed for a "\r" before the "\n"
        if (this.buf.length > this.maxLength + 1) {
          this.skipping = this.buf.length;
          this.buf = '';
        }
      }
      if (nl < 0) return;
      if (this.skipping) {
        const n = this.skipping;
        this.skipping = 0;
        this.on.overlong(n);
      } else {
        let line = this.buf;
        this.buf = '';
        if (line.endsWith('\r')) line = line.slice(0, -1);
        if (line.length > this.maxLength) this.on.overlong(line.length);
        else if (line.length) this.on.line(line);
      }
      start = nl + 1;
    }
  }

  /** Forgets a partial line (after a reconnect, say). */
  reset(): void {
    this.buf = '';
    this.skipping = 0;
  }
}
