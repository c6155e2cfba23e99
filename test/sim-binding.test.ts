import { SerialPortStream } from '@serialport/stream';
import { afterEach, describe, expect, it } from 'vitest';
import { SimBoard } from '../bridge/sim/board.js';
import { SimBinding, registerSimBoard, unregisterSimBoard } from '../bridge/sim/binding.js';
import { fixtureHex, parallelLcd } from './fixtures/sim/support.js';

const BYTE_US = 1e6 / 11520; // 10 bits at 115200 Bd: 86.8 µs
// the echo sketch writes UBRR 16 with U2X: 16 MHz / (8 × 17) = 117,647 Bd, 10 bits in 85 µs
const REAL_BYTE_US = (10 * 8 * 17) / 16;
const echoBoard = () =>
  new SimBoard({ device: { name: 'echo', board: 'uno', baud: 115200, lcd: parallelLcd(16, 2) }, hex: fixtureHex('echo') });

/** Runs the board and notes when each byte reaches the host. */
function arrivals(board: SimBoard): { byte: number; atUs: number }[] {
  const out: { byte: number; atUs: number }[] = [];
  board.serial.on('data', (b) => {
    for (const byte of b) out.push({ byte, atUs: board.nowUs });
  });
  return out;
}

describe('simulated serial line', () => {
  it('paces the host’s bytes at the rate the board’s UBRR makes: N bytes take N × 85 µs at 115200 (UBRR 16, U2X), not N × 86.8 µs', () => {
    const board = echoBoard();
    board.run(5);
    expect(board.serial.lineBaud).toBeCloseTo(16e6 / 8 / 17, 3);
    const got = arrivals(board);
    const t0 = board.nowUs;
    board.serial.write('0123456789'.repeat(5));
    board.runUntil(() => board.serial.pending === 0, 100, 0.001);
    expect(Math.abs(board.nowUs - t0 - 50 * REAL_BYTE_US)).toBeLessThan(2); // 4,250 µs, where 86.8 µs a byte would be 4,340
    board.run(10);
    expect(Buffer.from(got.map((g) => g.byte)).toString()).toBe('0123456789'.repeat(5));
    // the echo of the first byte leaves the board right after it arrived, and takes as long back
    expect(got[0].atUs - t0).toBeGreaterThan(2 * REAL_BYTE_US);
    expect(got[0].atUs - t0).toBeLessThan(2 * REAL_BYTE_US + 10);
  });

  it('paces the board’s bytes at the rate its firmware set (115200 with U2X: 85 µs)', () => {
    const board = echoBoard();
    board.run(5);
    const got = arrivals(board);
    board.serial.write('!');
    board.run(20);
    expect(got).toHaveLength(101);
    // 85 µs per frame, plus the sketch's half a µs between UDRE and the next write
    const perByte = (got[100].atUs - got[1].atUs) / 99;
    expect(perByte).toBeGreaterThanOrEqual(85);
    expect(perByte).toBeLessThan(86);
  });

  it('paces at the port’s baud rate: 10 bytes at 57600 take twice as long, and arrive garbled', () => {
    const board = echoBoard();
    board.run(5);
    board.serial.hostBaud = 57600;
    const t0 = board.nowUs;
    board.serial.write('abcdefghij');
    board.runUntil(() => board.serial.pending === 0, 100, 0.001);
    expect(Math.abs(board.nowUs - t0 - 10 * 2 * BYTE_US)).toBeLessThan(2);
    expect(board.serial.stats.garbled).toBeGreaterThan(0);
  });

  it('drops, corrupts and delays bytes through the fault hook, in either direction', () => {
    const board = echoBoard();
    board.run(5);
    const got = arrivals(board);
    board.serial.fault = (dir, byte, i) => {
      if (dir === 'to-board' && i === 1) return null; // "b" is lost on the way in
      if (dir === 'to-host' && byte === 0x63) return 0x43; // "c" comes back as "C"
      if (dir === 'to-host' && byte === 0x64) return { delayUs: 1000 }; // "d" is late, "e" waits behind it
      return byte;
    };
    const t0 = board.nowUs;
    board.serial.write('abcde');
    board.run(10);
    expect(Buffer.from(got.map((g) => g.byte)).toString()).toBe('aCde');
    expect(got[2].atUs - t0).toBeGreaterThan(1000);
    expect(got[3].atUs).toBeGreaterThanOrEqual(got[2].atUs);
    expect(board.serial.stats.droppedToBoard).toBe(1);
  });

  it('loses bytes while the board is unplugged, and none after it is back', () => {
    const board = echoBoard();
    board.run(5);
    const got = arrivals(board);
    board.unplug();
    board.serial.write('lost');
    board.run(5);
    expect(got).toHaveLength(0);
    board.plug();
    board.run(5);
    board.serial.write('ok');
    board.run(5);
    expect(Buffer.from(got.map((g) => g.byte)).toString()).toBe('ok');
  });
});

describe('SimBinding with SerialPortStream', () => {
  const paths: string[] = [];
  afterEach(() => paths.splice(0).forEach(unregisterSimBoard));

  function open(path: string, board: SimBoard, extra: { hupcl?: boolean } = {}) {
    registerSimBoard(path, board, { run: 'fast' });
    paths.push(path);
    const port = new SerialPortStream({ binding: SimBinding, path, baudRate: 115200, ...extra });
    return new Promise<SerialPortStream>((resolve, reject) => port.on('open', () => resolve(port)).on('error', reject));
  }

  const readUntil = (port: SerialPortStream, n: number) =>
    new Promise<string>((resolve) => {
      let s = '';
      const on = (d: Buffer) => {
        s += d.toString('latin1');
        if (s.length >= n) {
          port.off('data', on);
          resolve(s);
        }
      };
      port.on('data', on);
    });

  const close = (port: SerialPortStream) => new Promise<void>((r) => (port.isOpen ? port.close(() => r()) : r()));

  it('talks to the board: what is written comes back from the echo sketch', async () => {
    const port = await open('sim:test-echo', echoBoard());
    const back = readUntil(port, 10);
    port.write('hello, sim');
    expect(await back).toBe('hello, sim');
    await close(port);
  });

  it('resets the board on open, as DTR does on an Uno, unless hupcl is false', async () => {
    const board = echoBoard();
    const resets: string[] = [];
    board.on('reset', (c) => resets.push(c));
    const a = await open('sim:test-reset', board);
    expect(resets).toEqual(['external']);
    await close(a);
    unregisterSimBoard('sim:test-reset');
    const b = await open('sim:test-reset', board, { hupcl: false });
    expect(resets).toEqual(['external']);
    await new Promise<void>((r) => b.set({ dtr: false }, () => b.set({ dtr: true }, () => r())));
    expect(resets).toEqual(['external', 'external']);
    await close(b);
  });

  it('closes with a disconnected error when the board is unplugged, and opens again once plugged', async () => {
    const board = echoBoard();
    const port = await open('sim:test-unplug', board);
    const closed = new Promise<Error & { disconnected?: boolean }>((r) => port.on('close', r));
    port.resume(); // a reading port notices at once, as the bridge's does
    await new Promise((r) => setTimeout(r, 10));
    board.unplug();
    const err = await closed;
    expect(err.disconnected).toBe(true);
    expect(err.message).toMatch(/unplugged/);

    const again = new SerialPortStream({ binding: SimBinding, path: 'sim:test-unplug', baudRate: 115200 });
    const failure = await new Promise<Error>((r) => again.on('error', r));
    expect(failure.message).toMatch(/No such file or directory.*plug/);

    const resets: string[] = [];
    board.on('reset', (c) => resets.push(c));
    board.plug();
    expect(resets).toEqual(['power']);
    unregisterSimBoard('sim:test-unplug');
    const port2 = await open('sim:test-unplug', board);
    const back = readUntil(port2, 2);
    port2.write('hi');
    expect(await back).toBe('hi');
    await close(port2);
  });

  it('refuses a second open of a locked port, and lists registered boards and presets', async () => {
    const port = await open('sim:test-lock', echoBoard());
    const second = new SerialPortStream({ binding: SimBinding, path: 'sim:test-lock', baudRate: 115200 });
    const err = await new Promise<Error>((r) => second.on('error', r));
    expect(err.message).toMatch(/Cannot lock port/);
    const list = await SimBinding.list();
    expect(list.map((p) => p.path)).toContain('sim:test-lock');
    expect(list.map((p) => p.path)).toContain('sim:lcd-keypad-shield');
    await close(port);
  });

  it('says which paths exist when one does not', async () => {
    await expect(SimBinding.open({ path: 'sim:nope', baudRate: 115200 })).rejects.toThrow(
      /neither a registered simulated board nor a preset/,
    );
  });
});
