/**
 * Finding a board's line rate when none is configured (bridge/link/baud.ts),
 * on simulated boards through the serialport binding the bridge uses.
 */
import { SerialPortStream } from '@serialport/stream';
import { afterEach, describe, expect, it } from 'vitest';
import { findingRate } from '../bridge/link/baud.js';
import { SimBinding, registerSimBoard, unregisterSimBoard } from '../bridge/sim/binding.js';
import { SimBoard } from '../bridge/sim/board.js';
import { createPresetBoard } from '../bridge/sim/presets.js';
import { loadDevice } from '../firmware/devices/index.js';
import { fixtureHex, parallelLcd } from './fixtures/sim/support.js';

const paths: string[] = [];
afterEach(() => paths.splice(0).forEach(unregisterSimBoard));

async function openFinding(board: SimBoard, opts: Parameters<typeof findingRate>[1]) {
  const path = `sim:baud-${paths.length}-${Math.random().toString(36).slice(2, 8)}`;
  registerSimBoard(path, board);
  paths.push(path);
  const rates: (number | null)[] = [];
  const port = new SerialPortStream({
    binding: findingRate(SimBinding, { ...opts, onRate: (_p, r) => rates.push(r) }),
    path,
    baudRate: 250000,
    autoOpen: false,
  });
  await new Promise<void>((resolve, reject) => port.open((e) => (e ? reject(e) : resolve())));
  let text = '';
  port.on('data', (d: Buffer) => (text += d.toString('latin1')));
  return { port, rates, text: () => text };
}

describe('finding the line rate', () => {
  it('keeps 250000 for a board built now, and hands on its boot HELLO', async () => {
    const { port, rates, text } = await openFinding(createPresetBoard('lcd-keypad-shield'), {});
    expect(rates).toEqual([250000]);
    expect((await port.port!.getBaudRate()).baudRate).toBe(250000);
    await expect.poll(text).toMatch(/^\nHELLO 0 /);
    port.close();
  });

  it('moves on from 250000 as soon as a board flashed at 115200 answers with bytes no frame has', async () => {
    const old = new SimBoard({ device: { ...loadDevice('lcd-keypad-shield'), baud: 115200 }, hex: fixtureHex('lcd-keypad-shield-115200') });
    // a minute at the first rate: only the noise can end it within the test's time
    const { port, rates } = await openFinding(old, { firstMs: 60_000, nextMs: 2000 });
    expect(rates).toEqual([115200]);
    expect(port.port!.openOptions.baudRate).toBe(115200);
    expect(old.serial.stats.garbled).toBeGreaterThan(0);
    port.close();
  }, 20_000);

  it('finds a board flashed at 115200 with the default windows: the rest of its boot HELLO, arriving after the switch, is not taken as noise', async () => {
    const old = new SimBoard({ device: { ...loadDevice('lcd-keypad-shield'), baud: 115200 }, hex: fixtureHex('lcd-keypad-shield-115200') });
    const { port, rates } = await openFinding(old, {});
    expect(rates).toEqual([115200]);
    port.close();
  }, 20_000);

  it('leaves the port at 250000 when nothing answers, for the link to say so', async () => {
    const silent = new SimBoard({ device: { name: 'silent', board: 'uno', lcd: parallelLcd(16, 2) }, hex: fixtureHex('lcd-16x2') });
    const { port, rates } = await openFinding(silent, { firstMs: 300, nextMs: 300 });
    expect(rates).toEqual([null]);
    expect((await port.port!.getBaudRate()).baudRate).toBe(250000);
    port.close();
  });
});
