/**
 * Flashing proven end to end on the simulated Uno: `botduino firmware flash`
 * runs Debian's avrdude (no PlatformIO), which opens a pseudo-terminal that
 * is the simulated board's serial port; opening it resets the board into
 * Optiboot, which writes the image with SPM; avrdude verifies it; the new
 * firmware says HELLO and a running bridge, which let go of the port for the
 * upload, serves it again. Then what goes wrong: the other preset's image,
 * bytes damaged on the way (avrdude's verify error), and an unplug in the
 * middle of an upload.
 *
 * avrdude runs in real time; the board runs paced to the wall clock, never
 * ahead of it, so Optiboot's 1 s wait for avrdude lasts at least 1 s of real
 * time. avrdude's sync needs the board near real time (test/support/priority.ts):
 * on a loaded machine a board at a third of real speed is still in Optiboot's
 * LED flashes when the sync arrives. So these tests raise their priority
 * where allowed (as root in CI); what they run inherits it.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Bridge } from '../bridge/app.js';
import { BotDistriktClient } from '../bridge/botdistrikt/client.js';
import { startStandIn } from '../bridge/botdistrikt/standin.js';
import { Users } from '../bridge/botdistrikt/users.js';
import { main } from '../bridge/cli/main.js';
import { packageRoot } from '../bridge/paths.js';
import { EXIT, MismatchError } from '../common/errors.js';
import { DeviceLink } from '../bridge/link/link.js';
import { SimBoard } from '../bridge/sim/board.js';
import { loadHex } from '../bridge/sim/hex.js';
import { optibootHex } from '../bridge/sim/optiboot.js';
import { presetImage } from '../bridge/sim/presets.js';
import { exposeOnPty, type SimPty } from '../bridge/sim/pty.js';
import { frameToText } from '../bridge/lcd/text-view.js';
import { loadDevice } from '../firmware/devices/index.js';
import { raisePriority } from './support/priority.js';

const DOMAIN = 'https://k3j9x0a1qz.botduino-test.net';
const PRESET = 'lcd-keypad-shield';
const tmp = mkdtempSync(join(tmpdir(), 'bd-flash-'));
let n = 0;
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let priority: ReturnType<typeof raisePriority> | undefined;
beforeAll(() => {
  priority = raisePriority();
});
afterAll(() => priority?.restore());

/** A PATH with avrdude and nothing else: PlatformIO is absent. */
const avrdudeOnly = (() => {
  const bin = join(tmp, 'bin');
  mkdirSync(bin);
  symlinkSync(execFileSync('sh', ['-c', 'command -v avrdude']).toString().trim(), join(bin, 'avrdude'));
  return bin;
})();

/** The bytes of a HEX image. */
function bytesOf(hex: string): Buffer {
  const flash = new Uint8Array(0x8000).fill(0xff);
  const top = loadHex(hex, flash);
  return Buffer.from(flash.subarray(0, top));
}

/** Intel HEX of bytes from address 0. */
function hexOf(bytes: Buffer): string {
  const lines: string[] = [];
  for (let o = 0; o < bytes.length; o += 16) {
    const chunk = bytes.subarray(o, o + 16);
    const rec = Buffer.concat([Buffer.of(chunk.length, o >> 8, o & 0xff, 0), chunk]);
    let sum = 0;
    for (const b of rec) sum = (sum + b) & 0xff;
    lines.push(
      ':' +
        Buffer.concat([rec, Buffer.of((0x100 - sum) & 0xff)])
          .toString('hex')
          .toUpperCase(),
    );
  }
  return lines.join('\n') + '\n:00000001FF\n';
}

const IMAGE = bytesOf(presetImage(PRESET));
/** The preset's image as an older build would be: it reports version 0.0.9. */
const OLDER = (() => {
  const b = Buffer.from(IMAGE);
  const at = b.indexOf('0.1.0\0');
  if (at < 0) throw new Error('the image has no version string "0.1.0" to change');
  b.write('0.0.9', at, 'latin1');
  return hexOf(b);
})();

/** An Uno of the preset behind Optiboot, running `hex`, its serial port a pty. */
async function uno(hex: string): Promise<{ board: SimBoard; pty: SimPty; port: string; stateDir: string }> {
  const board = new SimBoard({ device: loadDevice(PRESET), hex, bootloader: optibootHex(), bootloaderSource: 'optiboot' });
  const dir = join(tmp, `uno-${n++}`);
  mkdirSync(dir);
  const port = join(dir, 'ttyACM0');
  const pty = await exposeOnPty(board, port);
  cleanups.push(() => pty.close());
  return { board, pty, port, stateDir: join(dir, 'state') };
}

async function flash(port: string, stateDir: string, device = PRESET): Promise<{ code: number; stderr: string }> {
  let stderr = '';
  const env = { PATH: avrdudeOnly, HOME: join(stateDir, '..'), BOTDUINO_STATE_DIR: stateDir, NO_COLOR: '1' };
  const code = await main(['firmware', 'flash', '--device', device, '--port', port], {
    env,
    stdout: { write: () => true },
    stderr: { write: (s: string) => (stderr += s) },
  });
  return { code, stderr };
}

/** Opens the port as the bridge does and waits for the board's HELLO. */
async function hello(port: string) {
  const link = new DeviceLink({ path: port, preset: PRESET, baudRate: loadDevice(PRESET).baud });
  try {
    return await link.start();
  } finally {
    await link.stop();
  }
}

const flashBytes = (board: SimBoard) => Buffer.from(board.flash.subarray(0, IMAGE.length));

async function bridgeOn(board: SimBoard, port: string, stateDir: string) {
  const standIn = await startStandIn({ appId: '42', domain: DOMAIN });
  cleanups.push(() => standIn.close());
  const bridge = new Bridge({
    devices: [{ port, device: PRESET }],
    client: new BotDistriktClient({ appId: '42', domain: DOMAIN, baseUrl: standIn.baseUrl }),
    users: new Users({ stateDir }),
    startMessage: 'hi',
    ui: { buttons: { LEFT: { send: 'after the flash' } } },
    controlDir: stateDir,
    retryMinMs: 200,
    retryMaxMs: 1000,
  });
  cleanups.push(() => bridge.stop());
  const versions: string[] = [];
  const problems: Error[] = [];
  bridge.on('online', (o) => versions.push(o.caps.version));
  bridge.on('problem', (p) => problems.push(p.error));
  const { online } = await bridge.start();
  expect(online).toHaveLength(1);
  const lcd = () => frameToText(board.lcd.frame(), board.lcd.rom).join('|');
  return { bridge, standIn, versions, problems, lcd };
}

const until = async (what: () => boolean, timeoutMs = 30_000) => {
  const end = Date.now() + timeoutMs;
  while (!what()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what.toString()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe('firmware flash through avrdude into the simulated Optiboot', () => {
  it('writes a blank board with avrdude (no PlatformIO), shows progress, verifies, and the new firmware says HELLO', async () => {
    const { board, port, stateDir } = await uno(':00000001FF\n');
    const r = await flash(port, stateDir);
    expect(r.code, r.stderr).toBe(EXIT.ok);
    expect(r.stderr).toMatch(/Writing \| #{50} \| 100%/);
    expect(r.stderr).toMatch(/Reading \| #{50} \| 100%/);
    expect(r.stderr).toMatch(/flashing lcd-keypad-shield to \S+ttyACM0 with avrdude: done, verified/);
    expect(flashBytes(board).equals(IMAGE)).toBe(true);
    const caps = await hello(port);
    expect([caps.firmware, caps.version, caps.board, caps.cols, caps.rows]).toEqual(['botduino', '0.1.0', 'uno', 16, 2]);
  }, 120_000);

  it('a running bridge lets go of the port, takes it back, and the conversation goes on with the new firmware', async () => {
    const { board, port, stateDir } = await uno(OLDER);
    const b = await bridgeOn(board, port, stateDir);
    await until(() => b.lcd().includes('Hello! I am the'));
    expect(b.versions).toEqual(['0.0.9']);
    const r = await flash(port, stateDir);
    expect(r.code, r.stderr).toBe(EXIT.ok);
    expect(r.stderr).toMatch(/done, verified/);
    await until(() => b.versions.length === 2);
    expect(b.versions).toEqual(['0.0.9', '0.1.0']);
    // the new firmware's LCD starts blank: the bridge draws the conversation again, and it goes on
    await until(() => /Hello! I am the|Weather/.test(b.lcd()));
    board.press('LEFT', { holdMs: 60 });
    await until(() => b.lcd().includes('You said: after'));
    expect(b.standIn.processedMessages()).toEqual(['hi', 'after the flash']);
    expect(b.problems).toEqual([]);
  }, 120_000);

  it("flashing the other preset's image: the upload works, and the bridge says the board runs firmware for another device", async () => {
    const { board, port, stateDir } = await uno(presetImage(PRESET));
    const b = await bridgeOn(board, port, stateDir);
    await until(() => b.lcd().includes('Hello! I am the'));
    const r = await flash(port, stateDir, 'i2c-lcd-keypad');
    expect(r.code, r.stderr).toBe(EXIT.ok);
    await until(() => b.problems.length > 0);
    expect(b.problems[0]).toBeInstanceOf(MismatchError);
    expect(b.problems[0].message).toMatch(
      /runs firmware for another device: an uno with a 20×4 i2c LCD.*while lcd-keypad-shield is an uno with a 16×2 parallel LCD.*botduino firmware flash --device lcd-keypad-shield --port/,
    );
    expect(b.standIn.processedMessages()).toEqual(['hi']); // nothing more: the board is not served
  }, 120_000);

  it("bytes damaged on the way: avrdude's verify error, told plainly; the next flash succeeds", async () => {
    const { board, port, stateDir } = await uno(presetImage(PRESET));
    let flipped = false;
    // one byte of page data, well into the upload, arrives with a bit flipped
    board.serial.fault = (dir, byte, i) => (dir === 'to-board' && i === 3000 ? ((flipped = true), byte ^ 0x01) : byte);
    const r = await flash(port, stateDir);
    expect(flipped).toBe(true);
    expect(r.code).toBe(EXIT.build);
    expect(r.stderr).toMatch(/verification mismatch/); // avrdude's own words, passed on
    expect(r.stderr).toMatch(
      /The upload to \S+ did not verify: the flash read back differs from the image: at 0x[0-9a-f]+ the board has 0x[0-9a-f]{2} where the image has 0x[0-9a-f]{2}.*flash again/,
    );
    board.serial.fault = null;
    const again = await flash(port, stateDir);
    expect(again.code, again.stderr).toBe(EXIT.ok);
    expect(flashBytes(board).equals(IMAGE)).toBe(true);
  }, 120_000);

  it('an unplug in the middle of an upload: told so, the bootloader survives, and the next flash succeeds', async () => {
    const { board, port, stateDir } = await uno(presetImage('i2c-lcd-keypad'));
    const watch = setInterval(() => {
      if (board.powered && board.serial.stats.toBoard > 2500) board.unplug();
    }, 5);
    cleanups.push(() => clearInterval(watch));
    const r = await flash(port, stateDir);
    clearInterval(watch);
    expect(board.powered).toBe(false);
    expect(r.code).toBe(EXIT.build);
    expect(r.stderr).toMatch(/went away during the upload \(unplugged\?\).*plug the board back in and run this again/);
    const half = flashBytes(board);
    expect(half.equals(IMAGE)).toBe(false);
    expect(half.subarray(0, 1024).equals(IMAGE.subarray(0, 1024))).toBe(true); // the first pages were written
    board.plug();
    await until(() => existsSync(port), 5000); // the port comes back, as /dev/ttyACM0 does
    const again = await flash(port, stateDir);
    expect(again.code, again.stderr).toBe(EXIT.ok);
    expect(flashBytes(board).equals(IMAGE)).toBe(true);
    expect((await hello(port)).version).toBe('0.1.0');
  }, 120_000);

  it('`botduino simulate --pty` puts the simulated board on a serial port that `botduino firmware flash` writes', async () => {
    const dir = join(tmp, `cli-${n++}`);
    mkdirSync(dir);
    const port = join(dir, 'ttyACM0');
    const env = { PATH: process.env.PATH, HOME: dir, BOTDUINO_STATE_DIR: join(dir, 'sim-state'), NO_COLOR: '1' };
    const p = spawn(process.execPath, ['--import', 'tsx', join(packageRoot, 'bridge', 'cli', 'main.ts'), 'simulate', '--pty', port], {
      cwd: packageRoot,
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    p.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    p.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const exited = new Promise<number | null>((r) => p.on('close', (code) => r(code)));
    cleanups.push(() => void p.kill());
    await until(() => stderr.includes('is on the serial port'), 60_000);
    expect(stderr).toContain(`botduino firmware flash --device lcd-keypad-shield --port ${port}`);
    const r = await flash(port, join(dir, 'state'));
    expect(r.code, r.stderr).toBe(EXIT.ok);
    expect(r.stderr).toMatch(/done, verified/);
    expect((await hello(port)).version).toBe('0.1.0');
    p.stdin.end();
    expect(await exited, stderr).toBe(0);
    // the LCD as the board showed it (blank: no bridge drew on it), a snapshot per change, as JSON lines
    const snapshots = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { t: number; rows: string[] });
    expect(snapshots.length).toBeGreaterThan(0);
    expect(snapshots.every((s) => s.rows.length === 2)).toBe(true);
  }, 120_000);
});
