/** Draws LCD text rows as a box for the terminal view of `botduino simulate`. */
export interface BoxOptions {
  title?: string;
  cursor?: { mode: 'off' | 'line' | 'block'; row: number; col: number };
  backlight?: boolean;
  color?: boolean;
}

export function lcdBox(rows: string[], o: BoxOptions = {}): string {
  const cols = Math.max(...rows.map((r) => [...r].length), 0);
  const title = o.title ? ` ${o.title} ` : '';
  const top = '┌' + title + '─'.repeat(Math.max(0, cols + 2 - title.length)) + '┐';
  const on = o.backlight !== false;
  const body = rows.map((r, i) => {
    let cells = [...r].map((c) => (c < ' ' ? '▒' : c));
    if (o.cursor && o.cursor.mode !== 'off' && o.cursor.row === i && o.color) {
      const c = o.cursor.col;
      if (c < cells.length) cells[c] = '\x1b[7m' + cells[c] + '\x1b[27m';
    } else if (o.cursor && o.cursor.mode !== 'off' && o.cursor.row === i && o.cursor.col < cells.length) {
      // no colour: mark the cursor's cell with an underline character after the row
      cells = cells.map((ch, j) => (j === o.cursor!.col && ch === ' ' ? '_' : ch));
    }
    const text = cells.join('');
    const styled = o.color ? (on ? `\x1b[30;42m ${text} \x1b[0m` : `\x1b[32;40m ${text} \x1b[0m`) : ` ${text} `;
    return '│' + styled + '│';
  });
  return [top, ...body, '└' + '─'.repeat(cols + 2) + '┘'].join('\n');
}
