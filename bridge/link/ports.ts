/**
 * Finding serial ports and picking the binding that opens them.
 *
 * On Linux the ports are read straight from sysfs (/sys/class/tty/<name>/device
 * and the USB device above it) and /dev/serial/by-id, so listing needs no
 * udevadm (serialport's own Linux lister spawns it, and crashes the process
 * where it is missing). Elsewhere the native binding's list is used.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile, readlink, realpath } from 'node:fs/promises';
import { delimiter, join, resolve, dirname } from 'node:path';
import type { BindingInterface } from '@serialport/bindings-interface' with { 'resolution-mode': 'require' };

export interface PortInfo {
  /** Device path to open, e.g. /dev/ttyACM0. */
  path: string;
  /** Its stable /dev/serial/by-id/… name, when udev made one. */
  byId?: string;
  /** USB vendor and product id, 4 lower-case hex digits. */
  vendorId?: string;
  productId?: string;
  serialNumber?: string;
  manufacturer?: string;
  product?: string;
  /** Its USB ids are those of an Arduino or a USB-serial chip boards use. */
  likelyArduino: boolean;
}

/**
 * USB ids of the boards `auto` opens and the udev rule names: Arduinos, and
 * the CH34x chips of Nano and Uno clones. FTDI and CP210x chips are on some
 * boards too, but as much on GPS receivers, Zigbee sticks and console
 * cables: `auto` leaves them alone (unless the USB strings say Arduino), and
 * such a board is used when its port is named.
 */
export const BOARD_IDS: { vendor: string; product?: string; what: string }[] = [
  { vendor: '2341', what: 'Arduino (Uno/Mega 16U2, Leonardo, Nano Every…)' },
  { vendor: '2a03', what: 'Arduino.org' },
  { vendor: '1a86', product: '7523', what: 'CH340 (most Nano and Uno clones)' },
  { vendor: '1a86', product: '5523', what: 'CH341' },
  { vendor: '1a86', product: '55d4', what: 'CH9102' },
  { vendor: '1b4f', what: 'SparkFun' },
  { vendor: '239a', what: 'Adafruit' },
];

/** General-purpose USB-serial chips (FTDI FT232R/FT231X, Silicon Labs CP210x): a board only when the USB strings say so. */
const GENERIC_USB_SERIAL = new Set(['0403:6001', '0403:6015', '10c4:ea60']);

/**
 * Whether `auto` may open the port: a board's USB ids, or a general-purpose
 * USB-serial chip whose manufacturer or product string names Arduino.
 */
export function isLikelyArduino(vendorId?: string, productId?: string, strings: (string | undefined)[] = []): boolean {
  if (!vendorId) return false;
  const v = vendorId.toLowerCase();
  const p = (productId ?? '').toLowerCase();
  if (BOARD_IDS.some((id) => id.vendor === v && (!id.product || id.product === p))) return true;
  return GENERIC_USB_SERIAL.has(`${v}:${p}`) && strings.some((s) => !!s && /arduino/i.test(s));
}

export interface ListPortsOptions {
  /** Where sysfs is mounted; default "/sys" (tests point it at a fake tree). */
  sysRoot?: string;
  /** Where device nodes live; default "/dev". */
  devRoot?: string;
  /** Binding whose list() is used where sysfs is absent; default the native one. */
  binding?: BindingInterface;
}

async function readAttr(dir: string, name: string): Promise<string | undefined> {
  try {
    const v = (await readFile(join(dir, name), 'utf8')).trim();
    return v || undefined;
  } catch {
    return undefined;
  }
}

/** The by-id names, keyed by the device path they point to. */
async function byIdNames(devRoot: string): Promise<Map<string, string>> {
  const dir = join(devRoot, 'serial', 'by-id');
  const out = new Map<string, string>();
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return out;
  }
  for (const name of names) {
    try {
      const target = resolve(dir, await readlink(join(dir, name)));
      out.set(target, join(dir, name));
    } catch {
      /* a dangling link: the board just went away */
    }
  }
  return out;
}

async function listSysfs(sysRoot: string, devRoot: string): Promise<PortInfo[]> {
  const ttyDir = join(sysRoot, 'class', 'tty');
  const ids = await byIdNames(devRoot);
  const out: PortInfo[] = [];
  for (const name of (await readdir(ttyDir)).sort()) {
    if (!/^tty(ACM|USB|AMA|S|XRUSB|CH343USB)\d+$/.test(name)) continue;
    let dev: string;
    try {
      dev = await realpath(join(ttyDir, name, 'device'));
    } catch {
      continue; // virtual terminals have no device
    }
    // Walk up to the USB device (the directory holding idVendor).
    let usb: string | undefined;
    for (let d = dev; d.length > sysRoot.length + 1; d = dirname(d)) {
      if (existsSync(join(d, 'idVendor'))) {
        usb = d;
        break;
      }
    }
    // Built-in UARTs (ttyS*) are listed only when they are USB (they rarely are): most are unused legacy ports.
    if (!usb && !name.startsWith('ttyAMA')) continue;
    const path = join(devRoot, name);
    const info: PortInfo = { path, likelyArduino: false };
    const byId = ids.get(path);
    if (byId) info.byId = byId;
    if (usb) {
      info.vendorId = (await readAttr(usb, 'idVendor'))?.toLowerCase();
      info.productId = (await readAttr(usb, 'idProduct'))?.toLowerCase();
      info.serialNumber = await readAttr(usb, 'serial');
      info.manufacturer = await readAttr(usb, 'manufacturer');
      info.product = await readAttr(usb, 'product');
      info.likelyArduino = isLikelyArduino(info.vendorId, info.productId, [info.manufacturer, info.product]);
    }
    for (const k of Object.keys(info) as (keyof PortInfo)[]) if (info[k] === undefined) delete info[k];
    out.push(info);
  }
  return out;
}

function hasUdevadm(): boolean {
  return (process.env.PATH ?? '').split(delimiter).some((d) => d && existsSync(join(d, 'udevadm')));
}

/** Lists the serial ports of this machine with their USB identity. */
export async function listPorts(opts: ListPortsOptions = {}): Promise<PortInfo[]> {
  const sysRoot = opts.sysRoot ?? '/sys';
  const devRoot = opts.devRoot ?? '/dev';
  if (existsSync(join(sysRoot, 'class', 'tty'))) return listSysfs(sysRoot, devRoot);
  if (process.platform === 'linux' && !opts.binding && !hasUdevadm()) return [];
  const binding = opts.binding ?? (await nativeBinding());
  return fromBindingList(await binding.list());
}

/** Ports as a binding lists them, in this module's shape. */
export function fromBindingList(list: Awaited<ReturnType<BindingInterface['list']>>): PortInfo[] {
  return list.map((p) => {
    const info: PortInfo = { path: p.path, likelyArduino: isLikelyArduino(p.vendorId, p.productId, [p.manufacturer]) };
    if (p.vendorId) info.vendorId = p.vendorId.toLowerCase();
    if (p.productId) info.productId = p.productId.toLowerCase();
    if (p.serialNumber) info.serialNumber = p.serialNumber;
    if (p.manufacturer) info.manufacturer = p.manufacturer;
    return info;
  });
}

/** serialport's native binding for this platform (loaded only when a real port is used). */
export async function nativeBinding(): Promise<BindingInterface> {
  const { SerialPort } = await import('serialport');
  return SerialPort.binding as unknown as BindingInterface;
}

/** The binding to open a port with: the one given (a simulated board's, a test's), else serialport's native one. */
export async function bindingFor(given?: BindingInterface): Promise<BindingInterface> {
  return given ?? nativeBinding();
}

/** A port to open, and what identifies its board across a replug. */
export interface PortTarget {
  /** What to open now. */
  path: string;
  /** The stable /dev/serial/by-id name it was found by, if any. */
  byId?: string;
  serialNumber?: string;
}

/**
 * Resolves a path as the user wrote it: a /dev/serial/by-id/… symlink is
 * followed (and remembered for reconnects); other paths are kept, with the
 * USB serial number looked up when the port is listed.
 */
export async function resolveTarget(path: string, lister: () => Promise<PortInfo[]>): Promise<PortTarget> {
  if (path.includes('/serial/by-id/')) {
    try {
      return { path: await realpath(path), byId: path, ...(await serialOf(path, lister)) };
    } catch {
      return { path, byId: path };
    }
  }
  return { path, ...(await serialOf(path, lister)) };
}

async function serialOf(path: string, lister: () => Promise<PortInfo[]>): Promise<{ serialNumber?: string }> {
  try {
    const found = (await lister()).find((p) => p.path === path || p.byId === path);
    return found?.serialNumber ? { serialNumber: found.serialNumber } : {};
  } catch {
    return {};
  }
}

/**
 * Where the board of `target` may be now (after a replug the kernel may
 * have given it another name): its by-id name resolved again, its last
 * path, and any port with the same USB serial number.
 */
export async function candidatesFor(target: PortTarget, lister: () => Promise<PortInfo[]>): Promise<string[]> {
  const out: string[] = [];
  if (target.byId) {
    try {
      out.push(await realpath(target.byId));
    } catch {
      /* not back yet */
    }
  }
  if (!out.includes(target.path)) out.push(target.path);
  if (target.serialNumber) {
    try {
      for (const p of await lister()) if (p.serialNumber === target.serialNumber && !out.includes(p.path)) out.push(p.path);
    } catch {
      /* listing failed: the known paths will do */
    }
  }
  return out;
}
