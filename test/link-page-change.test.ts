/**
 * A page change on a 4-row LCD: the bridge clears first, so the LCD never
 * shows rows of the old page under rows of the new one while the page is
 * written (on a 20×4 behind a 100 kHz I2C backpack that takes ~30 ms).
 */
import { describe, expect, it } from 'vitest';
import { blankFrame, type ScreenFrame } from '../bridge/lcd/screen.js';
import { diffScreen, LcdModel } from '../bridge/link/screen-model.js';
import { createPresetBoard } from '../bridge/sim/presets.js';
import { TestHost } from './fixtures/sim/support.js';

const page = (cols: number, rows: string[]): ScreenFrame => ({ ...blankFrame(cols, rows.length), rows });
function shown(cols: number, rows: string[]): LcdModel {
  const m = new LcdModel(cols, rows.length);
  m.apply({ kind: 'CLR' });
  m.apply({ kind: 'CUR', mode: 'off', row: 0, col: 0 });
  m.apply({ kind: 'BL', on: true });
  rows.forEach((text, row) => m.apply({ kind: 'TXT', row, col: 0, text }));
  return m;
}

/** The I2C preset's real firmware after its HELLO; `send` sends commands and waits for the last one's ACK. */
function i2cBoard() {
  const board = createPresetBoard('i2c-lcd-keypad');
  const host = new TestHost(board);
  host.waitFor((m) => m.kind === 'HELLO');
  const send = (cmds: ReturnType<typeof diffScreen>) => {
    let last = 0;
    for (const c of cmds) last = host.send(c as { kind: string });
    host.waitFor((m) => m.kind === 'ACK' && m.seq === last);
  };
  return { board, send };
}

const OLD = ['Weather: sunny 24C  ', 'Tomorrow: rain      ', 'Wind 12 km/h NW     ', '1 Back   2 More     '];
const NEW = ['You said: ping      ', 'Bot: pong, and here ', 'is a longer answer  ', 'that fills the page '];

describe('a page change', () => {
  it('on a 20×4 starts with CLR, then writes the new rows in DDRAM order (0, 2, 1, 3: each continues the last)', () => {
    const cmds = diffScreen(page(20, NEW), shown(20, OLD));
    expect(cmds[0]).toEqual({ kind: 'CLR' });
    const rows = cmds.filter((c) => c.kind === 'TXT').map((c) => (c.kind === 'TXT' ? c.row : -1));
    expect(rows).toEqual([0, 2, 1, 3]);
    // trailing blanks of the new page need no bytes after the clear
    expect(cmds.find((c) => c.kind === 'TXT' && c.row === 0)).toEqual({ kind: 'TXT', row: 0, col: 0, text: 'You said: ping' });
  });

  it('on a 20×4 that changes one row, or on a 16×2, writes only what changed, without CLR', () => {
    const oneRow = [...OLD.slice(0, 3), '1 Back   2 Less     '];
    expect(diffScreen(page(20, oneRow), shown(20, OLD))).toEqual([{ kind: 'TXT', row: 3, col: 11, text: 'Less' }]);
    const small = diffScreen(page(16, ['You said: ping  ', 'Bot: pong       ']), shown(16, ['Weather: sunny  ', 'Tomorrow: rain  ']));
    expect(small.map((c) => c.kind)).toEqual(['TXT', 'TXT']);
  });

  it('on the I2C preset’s real firmware never shows old and new rows together', () => {
    const { board, send } = i2cBoard();
    send(diffScreen(page(20, OLD), new LcdModel(20, 4)));
    board.run(50);
    expect(board.lcd.codeRows()).toEqual(OLD);

    const mixed: string[][] = [];
    board.lcd.on('change', () => {
      const rows = board.lcd.codeRows();
      const isOld = (r: number) => rows[r].trim() !== '' && rows[r] !== NEW[r] && OLD[r].startsWith(rows[r].trimEnd());
      const isNew = (r: number) => rows[r] === NEW[r] && NEW[r] !== OLD[r];
      if ([0, 1, 2, 3].some(isOld) && [0, 1, 2, 3].some(isNew)) mixed.push(rows);
    });
    send(diffScreen(page(20, NEW), shown(20, OLD)));
    board.run(60);
    expect(board.lcd.codeRows()).toEqual(NEW);
    expect(mixed).toEqual([]);
    expect(board.lcd.busyWrites).toBe(0); // the rows waited for the clear's 1.52 ms
  });

  it('on the I2C preset’s real firmware costs four bus bytes a character and none to set the address', () => {
    const { board, send } = i2cBoard();
    const full = (v: string) => Array.from({ length: 4 }, (_, r) => `${v}${r}`.padEnd(20, v));
    send(diffScreen(page(20, full('a')), new LcdModel(20, 4)));
    board.run(60);
    const before = board.lcdBusBytes!;
    send(diffScreen(page(20, full('b')), shown(20, full('a'))));
    board.run(60);
    expect(board.lcd.codeRows()).toEqual(full('b'));
    // the clear (4) and 80 characters (4 each): after the clear the address is 0, row 2 goes on from
    // row 0, row 1 from row 2 (0x27 → 0x40), row 3 from row 1; no "set DDRAM address" (4 each) at all
    expect(board.lcdBusBytes! - before).toBe(4 + 80 * 4);
  });
});
