import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SerialError } from '../common/errors.js';
import { DeviceLink } from '../bridge/link/link.js';
import { candidatesFor, isLikelyArduino, listPorts, resolveTarget } from '../bridge/link/ports.js';
import { FakeBinding, FakeBoard, MockBinding } from '../support/fake-board.js';

let root: string;
const sys = () => join(root, 'sys');
const dev = () => join(root, 'dev');

/** A sysfs and /dev like a Raspberry Pi's with an Uno, a CH340 Nano and an unknown USB-serial adapter. */
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'botduino-ports-'));
  const usb = (name: string, attrs: Record<string, string>) => {
    const d = join(sys(), 'devices', 'platform', 'usb1', name);
    mkdirSync(join(d, `${name}:1.0`), { recursive: true });
    for (const [k, v] of Object.entries(attrs)) writeFileSync(join(d, k), v + '\n');
    return join(d, `${name}:1.0`);
  };
  const tty = (name: string, device?: string) => {
    const d = join(sys(), 'class', 'tty', name);
    mkdirSync(d, { recursive: true });
    if (device) symlinkSync(device, join(d, 'device'));
    writeFileSync(join(dev(), name), '');
  };
  mkdirSync(join(dev(), 'serial', 'by-id'), { recursive: true });
  tty(
    'ttyACM0',
    usb('1-1', {
      idVendor: '2341',
      idProduct: '0043',
      serial: '75833353035351A0E1C1',
      manufacturer: 'Arduino (www.arduino.cc)',
      product: 'Uno',
    }),
  );
  tty('ttyUSB0', usb('1-2', { idVendor: '1a86', idProduct: '7523', product: 'USB2.0-Serial' }));
  tty('ttyUSB1', usb('1-3', { idVendor: '067b', idProduct: '2303', manufacturer: 'Prolific' }));
  tty('tty1');
  tty('ttyS0', join(sys(), 'devices', 'platform', 'serial8250'));
  mkdirSync(join(sys(), 'devices', 'platform', 'serial8250'), { recursive: true });
  symlinkSync('../../ttyACM0', join(dev(), 'serial', 'by-id', 'usb-Arduino__www.arduino.cc__0043_75833353035351A0E1C1-if00'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('listing ports', () => {
  it('reads USB identity from sysfs and by-id names from /dev, without udevadm', async () => {
    const ports = await listPorts({ sysRoot: sys(), devRoot: dev() });
    expect(ports).toEqual([
      {
        path: join(dev(), 'ttyACM0'),
        byId: join(dev(), 'serial', 'by-id', 'usb-Arduino__www.arduino.cc__0043_75833353035351A0E1C1-if00'),
        vendorId: '2341',
        productId: '0043',
        serialNumber: '75833353035351A0E1C1',
        manufacturer: 'Arduino (www.arduino.cc)',
        product: 'Uno',
        likelyArduino: true,
      },
      { path: join(dev(), 'ttyUSB0'), vendorId: '1a86', productId: '7523', product: 'USB2.0-Serial', likelyArduino: true },
      { path: join(dev(), 'ttyUSB1'), vendorId: '067b', productId: '2303', manufacturer: 'Prolific', likelyArduino: false },
    ]);
  });

  it('follows a by-id name and finds the board again by it after a replug', async () => {
    const byId = join(dev(), 'serial', 'by-id', 'usb-Arduino__www.arduino.cc__0043_75833353035351A0E1C1-if00');
    const lister = () => listPorts({ sysRoot: sys(), devRoot: dev() });
    const target = await resolveTarget(byId, lister);
    expect(target).toEqual({ path: join(dev(), 'ttyACM0'), byId, serialNumber: '75833353035351A0E1C1' });
    expect(await candidatesFor({ ...target, path: join(dev(), 'ttyACM9') }, lister)).toEqual([
      join(dev(), 'ttyACM0'),
      join(dev(), 'ttyACM9'),
    ]);
  });
});

describe('port auto', () => {
  const links: DeviceLink[] = [];
  afterEach(async () => {
    await Promise.all(links.splice(0).map((l) => l.stop()));
    FakeBoard.destroyAll();
  });

  it('opens the port whose board answers', async () => {
    MockBinding.createPort('/dev/ttyS9'); // no USB ids: not tried
    const board = new FakeBoard({ id: 'auto-found' });
    const link = new DeviceLink({ path: 'auto', binding: FakeBinding });
    links.push(link);
    const caps = await link.start();
    expect(caps.id).toBe('auto-found');
    expect(link.path).toBe(board.path);
  });

  it('never opens a general-purpose USB-serial adapter (FTDI, CP210x: GPS receivers, Zigbee sticks) unless named', async () => {
    MockBinding.createPort('/dev/ttyUSB7', { vendorId: '0403', productId: '6001', manufacturer: 'FTDI' });
    MockBinding.createPort('/dev/ttyUSB8', { vendorId: '10c4', productId: 'ea60', manufacturer: 'Silicon Labs' });
    const opened: string[] = [];
    const spy: typeof FakeBinding = { ...FakeBinding, open: (o) => (opened.push(o.path), FakeBinding.open(o)) };
    const link = new DeviceLink({ path: 'auto', binding: spy });
    links.push(link);
    const err = await link.start().catch((e) => e);
    expect(err.message).toMatch(/No Arduino-like USB serial port found/);
    expect(opened).toEqual([]); // neither adapter was opened, so nothing was written to them
  });

  it('counts Arduino and CH34x ids as boards, FTDI and CP210x only when their USB strings say Arduino', () => {
    expect(isLikelyArduino('2341', '0043')).toBe(true);
    expect(isLikelyArduino('1a86', '7523')).toBe(true);
    expect(isLikelyArduino('0403', '6001')).toBe(false);
    expect(isLikelyArduino('10c4', 'ea60', ['Silicon Labs', 'CP2102 USB to UART Bridge Controller'])).toBe(false);
    expect(isLikelyArduino('0403', '6001', ['FTDI', 'Arduino Nano'])).toBe(true);
    expect(isLikelyArduino('067b', '2303', ['Arduino'])).toBe(false);
  });

  it('says what to do when no Arduino is plugged in', async () => {
    MockBinding.createPort('/dev/ttyS9');
    const link = new DeviceLink({ path: 'auto', binding: FakeBinding });
    links.push(link);
    const err = await link.start().catch((e) => e);
    expect(err).toBeInstanceOf(SerialError);
    expect(err.message).toMatch(/No Arduino-like USB serial port found/);
    expect(err.message).toContain('botduino ports');
  });
});
