/**
 * The committed firmware images, unmodified, on the simulated board: what
 * the bridge will see and what the LCD will show.
 */
import { describe, expect, it } from 'vitest';
import { createPresetBoard } from '../bridge/sim/presets.js';
import { loadDevice } from '../firmware/devices/index.js';
import { MAX_HOST_FRAME, PROTOCOL_VERSION, type Message } from '../protocol/schema.js';
import { SCHEMA_FINGERPRINT } from '../protocol/fingerprint.js';
import { encode, toHex } from '../protocol/codec.js';
import { TestHost } from './fixtures/sim/support.js';

const PRESETS = ['lcd-keypad-shield', 'i2c-lcd-keypad'];

function start(preset: string) {
  const board = createPresetBoard(preset);
  const host = new TestHost(board);
  const hello = host.waitFor((m) => m.kind === 'HELLO', 3000) as Extract<Message, { kind: 'HELLO' }>;
  return { board, host, hello };
}

/** Sends frames one after another and waits for the ACK of the last. */
function sendAll(host: TestHost, frames: Record<string, unknown>[]): void {
  let last = 0;
  for (const f of frames) last = host.send(f as { kind: string });
  host.waitFor((m) => m.kind === 'ACK' && m.seq === last, 3000);
}

const isEvent = (m: Message) => m.kind === 'BTN' || m.kind === 'KEY';

describe.each(PRESETS)('firmware image %s on the simulated board', (preset) => {
  const device = loadDevice(preset);

  it('boots and says HELLO with the capabilities of its device description', () => {
    const { hello } = start(preset);
    expect(hello.proto).toBe(PROTOCOL_VERSION);
    expect(toHex(hello.fp)).toBe(SCHEMA_FINGERPRINT.toUpperCase());
    expect(hello.board).toBe(device.board);
    expect([hello.cols, hello.rows, hello.lcd, hello.rom]).toEqual([
      device.lcd.cols,
      device.lcd.rows,
      device.lcd.interface,
      device.lcd.rom,
    ]);
    expect(hello.buttons).toBe(device.buttons.map((b) => b.name).join(','));
    expect(hello.keys).toBe((device.keypad?.layout ?? []).join(''));
    expect(hello.kcols).toBe(device.keypad?.cols.length ?? 0);
    expect(hello.led).toBe(!!device.led);
    expect(hello.buzzer).toBe(!!device.buzzer);
  });

  it('starts its boot output with a line end, so a HELLO after noise on the line (a brownout) still parses', () => {
    const { board, host } = start(preset);
    const hellos = () => host.received.filter((m) => m.kind === 'HELLO').length;
    expect(hellos()).toBe(1);
    // what a board browning out leaves on the host's side: bytes with no line end
    board.serial.emit('data', Buffer.from([0xff, 0x00, 0x5a, 0x93, 0x48, 0x45]));
    board.reset();
    host.waitFor(() => hellos() === 2, 3000);
    expect(host.rejected).toEqual([Buffer.from([0xff, 0x00, 0x5a, 0x93, 0x48, 0x45]).toString('latin1')]);
  });

  it('answers WHO with HELLO and shows TXT, GLY and CUR from the host', () => {
    const { board, host } = start(preset);
    const n = host.received.length;
    host.send({ kind: 'WHO', next: 1 });
    host.waitFor((m) => m.kind === 'HELLO', 1000, n);
    const bottom = device.lcd.rows - 1;
    sendAll(host, [
      { kind: 'CLR' },
      { kind: 'GLY', slot: 2, rows: Uint8Array.of(0, 4, 14, 31, 14, 4, 0, 0) },
      { kind: 'TXT', row: 0, col: 0, text: 'Hi \x02 there' },
      { kind: 'TXT', row: bottom, col: 3, text: 'bottom \xdf' },
      { kind: 'CUR', mode: 'line', row: 1, col: 2 },
    ]);
    board.run(200); // the LCD queue drains after the ACKs
    const text = board.lcd.text({ glyph: (s) => `${s}` });
    const cols = device.lcd.cols;
    expect(text[0]).toBe('Hi 2 there'.padEnd(cols));
    expect(text[bottom]).toBe('   bottom °'.padEnd(cols));
    for (let r = 1; r < bottom; r++) expect(text[r]).toBe(' '.repeat(cols));
    expect([...board.lcd.glyph(2)]).toEqual([0, 4, 14, 31, 14, 4, 0, 0]);
    expect(board.lcd.frame().cursor).toEqual({ mode: 'line', row: 1, col: 2 });
    expect(board.lcd.busyWrites).toBe(0);
  });

  it('takes screen frames sent back to back up to the buffer it advertises, without a receive overflow', () => {
    const { board, host, hello } = start(preset);
    expect(hello.rx).toBeGreaterThanOrEqual(128);
    expect(hello.mfl).toBe(MAX_HOST_FRAME);
    const n0 = host.received.length;
    host.send({ kind: 'WHO', next: 1 });
    host.waitFor((m) => m.kind === 'HELLO', 1000, n0);
    // whole rows, as many as fit in the advertised buffer at once (the link never has more in flight)
    const cols = device.lcd.cols;
    const frames: Record<string, unknown>[] = [];
    let bytes = 0;
    for (let r = 0; r < device.lcd.rows; r++) {
      const f = { kind: 'TXT', seq: r + 1, row: r, col: 0, text: String.fromCharCode(65 + r).repeat(cols) };
      const len = encode(f as Message).length + 1;
      if (bytes + len > hello.rx) break;
      bytes += len;
      frames.push(f);
    }
    expect(frames.length).toBeGreaterThanOrEqual(2);
    sendAll(host, frames);
    board.run(100);
    const text = board.lcd.text();
    frames.forEach((_, r) => expect(text[r]).toBe(String.fromCharCode(65 + r).repeat(cols)));
    const n = host.received.length;
    host.send({ kind: 'PING', seq: 9 });
    const pong = host.waitFor((m) => m.kind === 'PONG', 1000, n) as Extract<Message, { kind: 'PONG' }>;
    expect(pong.ovf).toBe(0);
    expect(pong.crc + pong.long + pong.trunc).toBe(0);
  });

  it('survives a flood of garbage and oversize lines, then still answers PING with PONG', () => {
    const { host } = start(preset);
    let junk = '';
    for (let i = 0; i < 400; i++) junk += String.fromCharCode((i * 73 + 11) & 0xff);
    host.raw(junk.replace(/\n/g, ' ') + '\n');
    host.raw('TXT 1 0 0 "' + 'x'.repeat(300) + '"*0000\n');
    host.raw('PING 7*FFFF\n');
    host.raw('\r\n\n\n');
    const n = host.received.length;
    host.send({ kind: 'PING', seq: 42 });
    const pong = host.waitFor((m) => m.kind === 'PONG', 3000, n) as Extract<Message, { kind: 'PONG' }>;
    expect(pong.seq).toBe(42);
    expect(pong.long).toBeGreaterThanOrEqual(2);
    expect(pong.crc).toBeGreaterThanOrEqual(1);
  });
});

describe('inputs reach the host as events', () => {
  it('a ladder button gives one BTN down and one up, each once when acknowledged', () => {
    const { board, host } = start('lcd-keypad-shield');
    host.autoAck = {};
    board.press('SELECT', { holdMs: 100 });
    board.run(500);
    const events = host.received.filter(isEvent);
    expect(events.map((e) => e.kind === 'BTN' && `${e.act} ${e.btn}`)).toEqual(['down 4', 'up 4']);
    expect(new Set(events.map((e) => e.seq)).size).toBe(2);
  });

  it('retransmits an event until it is acknowledged, with the same seq', () => {
    const { board, host } = start('lcd-keypad-shield');
    const downs = () => host.received.filter((m) => m.kind === 'BTN' && m.act === 'down');
    host.autoAck = { skip: () => downs().length < 2 }; // the first ACK is lost
    board.press('UP');
    expect(board.runUntil(() => downs().length >= 2, 3000)).toBe(true);
    board.run(2000);
    expect(downs().length).toBe(2);
    expect(downs()[0].seq).toBe(downs()[1].seq);
    board.release('UP');
    board.run(500);
    expect(host.received.filter((m) => m.kind === 'BTN' && m.act === 'up').length).toBe(1);
  });

  it('a bouncing contact still gives one press', () => {
    const { board, host } = start('lcd-keypad-shield');
    host.autoAck = {};
    board.press('LEFT', { bounce: 5 });
    board.run(300);
    board.release('LEFT', { bounce: 5 });
    board.run(300);
    const events = host.received.filter(isEvent).map((e) => e.kind === 'BTN' && `${e.act} ${e.btn}`);
    expect(events).toEqual(['down 3', 'up 3']);
  });

  it('keypad keys and digital buttons arrive as KEY and BTN frames', () => {
    const { board, host } = start('i2c-lcd-keypad');
    host.autoAck = {};
    board.press('5', { holdMs: 80, bounce: true });
    board.run(300);
    board.press('#', { holdMs: 80 });
    board.run(300);
    board.press('SEND', { holdMs: 80, bounce: true });
    board.run(300);
    const events = host.received
      .filter(isEvent)
      .map((e) => (e.kind === 'KEY' ? `KEY ${e.act} ${e.key}` : e.kind === 'BTN' ? `BTN ${e.act} ${e.btn}` : ''));
    expect(events).toEqual(['KEY down 5', 'KEY up 5', 'KEY down #', 'KEY up #', 'BTN down 1', 'BTN up 1']);
  });

  it('a held key reports hold after holdMs', () => {
    const { board, host } = start('i2c-lcd-keypad');
    host.autoAck = {};
    board.press('0', { holdMs: 1200 });
    board.run(1500);
    const events = host.received.filter(isEvent).map((e) => e.kind === 'KEY' && `${e.act} ${e.key}`);
    expect(events).toEqual(['down 0', 'hold 0', 'up 0']);
  });
});
