/**
 * How soon the committed firmware images react, in simulated time on the
 * simulated board (deterministic: CPU cycles, not the machine's speed): a
 * press reaches the host soon after it happens, and a screen command shows
 * on the LCD soon after its last byte came in.
 */
import { describe, expect, it } from 'vitest';
import { createPresetBoard } from '../bridge/sim/presets.js';
import { encodeLine } from '../protocol/codec.js';
import type { Message } from '../protocol/schema.js';
import { TestHost } from './fixtures/sim/support.js';

function start(preset: string) {
  const board = createPresetBoard(preset);
  const host = new TestHost(board);
  host.waitFor((m) => m.kind === 'HELLO', 3000);
  host.autoAck = {};
  // when each line from the board ended (its "\n" reached the host), in simulated µs
  const lineEnds: number[] = [];
  board.serial.on('data', (b) => {
    for (const c of b) if (c === 0x0a) lineEnds.push(board.nowUs);
  });
  return { board, host, lineEnds };
}

const isEvent = (m: Message) => m.kind === 'BTN' || m.kind === 'KEY';

describe.each([
  ['lcd-keypad-shield', ['SELECT', 'RIGHT']],
  ['i2c-lcd-keypad', ['5', 'SEND']],
])('a press on the %s reaches the host soon', (preset, inputs) => {
  it('within 350 µs plus its own frame time on the wire, at any phase of the firmware loop', () => {
    const { board, host, lineEnds } = start(preset);
    const byteUs = board.serial.byteTimeUs;
    const late: number[] = [];
    for (let i = 0; i < 24; i++) {
      board.run(30 + i * 0.173); // a different phase of the firmware's millisecond each time
      const from = host.received.length;
      const t0 = board.nowUs;
      board.press(inputs[i % 2], { holdMs: 25 });
      expect(board.runUntil(() => host.received.slice(from).some(isEvent), 50, 0.01)).toBe(true);
      const ev = host.received.slice(from).find(isEvent)!;
      const frameUs = (`${ev.kind} ${ev.seq} d x*0000`.length + 1) * byteUs;
      late.push(lineEnds[lineEnds.length - 1] - t0 - frameUs);
    }
    // a ladder button: up to two ADC conversions (104 µs each); the frame: ~2 µs between its bytes.
    // (The scan used to wait for the next millisecond, and for a conversion: over 1 ms.)
    expect(Math.max(...late)).toBeLessThan(350);
  });
});

describe('the shield writes its LCD as fast as the controller allows', () => {
  it('puts the characters of a row about 45 µs apart, never while the controller is busy, and waits out a clear', () => {
    const { board, host } = start('lcd-keypad-shield');
    const text = 'ABCDEFGHIJKLMNOP';
    const changes: number[] = [];
    board.lcd.on('change', () => changes.push(board.nowUs));
    host.send({ kind: 'CLR' });
    const last = host.send({ kind: 'TXT', row: 0, col: 0, text });
    host.waitFor((m) => m.kind === 'ACK' && m.seq === last, 3000);
    board.run(5);
    expect(board.lcd.codeRows()[0]).toBe(text);
    expect(board.lcd.busyWrites).toBe(0); // the first character waited for the clear's 1.52 ms too
    const chars = changes.slice(-text.length);
    const gaps = chars.slice(1).map((t, i) => t - chars[i]);
    // from one character's latch to the next one's first half: 37 µs rated + the firmware's 3 µs, timed
    // in 0.5 µs steps; then its second half (it was 45 µs in 4 µs steps, ~52 µs from character to character)
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(40);
    expect(gaps.filter((g) => g <= 46).length).toBeGreaterThanOrEqual(gaps.length - 4); // the main loop's turn every 4 bytes aside
  });
});

describe('the shield checks a line as its bytes come in', () => {
  it('shows a one-character change within 200 µs of the line’s last byte (its CRC is already summed up)', () => {
    const { board, host } = start('lcd-keypad-shield');
    const worst: number[] = [];
    for (let i = 0; i < 12; i++) {
      board.run(3 + i * 0.29); // a different phase of the firmware's millisecond each time
      const ch = 'ABCDEFGHIJKL'[i];
      let shownAt = -1;
      const onChange = () => {
        if (shownAt < 0 && board.lcd.codeRows()[0][8] === ch) shownAt = board.nowUs;
      };
      board.lcd.on('change', onChange);
      const seq = host.send({ kind: 'TXT', row: 0, col: 8, text: ch });
      let lastIn = -1;
      board.serial.once('idle', () => (lastIn = board.nowUs));
      host.waitFor((m) => m.kind === 'ACK' && m.seq === seq, 3000);
      board.lcd.off('change', onChange);
      worst.push(shownAt - lastIn);
    }
    // decoding, the DDRAM address (37 µs + 3), the character: it was ~250 µs with the CRC summed up at the end
    expect(Math.max(...worst)).toBeLessThan(200);
  });

  it('takes lines with "*" in their text, and lines ending in "\\r\\n"', () => {
    const { board, host } = start('lcd-keypad-shield');
    const a = host.send({ kind: 'TXT', row: 0, col: 0, text: '*a*b*' });
    host.waitFor((m) => m.kind === 'ACK' && m.seq === a, 3000);
    host.raw(encodeLine({ kind: 'TXT', seq: a + 1, row: 1, col: 0, text: 'x*' } as Message).replace('\n', '\r\n'));
    host.waitFor((m) => m.kind === 'ACK' && m.seq === a + 1, 3000);
    host.raw('\r\n\n'); // empty lines in between do not count
    const c = a + 2;
    host.raw(encodeLine({ kind: 'TXT', seq: c, row: 1, col: 4, text: '*' } as Message));
    host.waitFor((m) => m.kind === 'ACK' && m.seq === c, 3000);
    board.run(5);
    expect(board.lcd.codeRows()).toEqual(['*a*b*           ', 'x*  *           ']);
    expect(host.received.filter((m) => m.kind === 'NAK')).toEqual([]);
  });
});

describe('the keypad, idle with every row low', () => {
  it('still reports each key of a column on its own: a key let go while another of its column is held', () => {
    const { board, host } = start('i2c-lcd-keypad');
    board.press('5');
    board.run(30);
    board.press('8'); // the same column as 5
    board.run(30);
    board.release('5'); // the column stays low: the full scan once a millisecond finds it
    board.run(30);
    board.press('4'); // the same row as 5
    board.run(30);
    board.release('4');
    board.run(30);
    board.release('8');
    board.run(30);
    const keys = host.received.filter((m) => m.kind === 'KEY').map((m) => m.kind === 'KEY' && `${m.act} ${m.key}`);
    expect(keys).toEqual(['down 5', 'down 8', 'up 5', 'down 4', 'up 4', 'up 8']);
  });
});
