import { afterEach, describe, expect, it } from 'vitest';
import type { BindingInterface } from '@serialport/bindings-interface' with { 'resolution-mode': 'require' };
import { MismatchError, SerialError } from '../common/errors.js';
import { DeviceLink, type DeviceLinkOptions } from '../bridge/link/link.js';
import { crc16 } from '../protocol/crc.js';
import { PROTOCOL_VERSION, SCHEMA_FINGERPRINT } from '../protocol/index.js';
import { FakeBinding, FakeBoard } from '../support/fake-board.js';
import { createLogger } from '../bridge/log.js';

const links: DeviceLink[] = [];
function linkTo(board: FakeBoard | string, opts: Partial<DeviceLinkOptions> = {}): DeviceLink {
  const link = new DeviceLink({ path: typeof board === 'string' ? board : board.path, binding: FakeBinding, ...opts });
  links.push(link);
  return link;
}

afterEach(async () => {
  await Promise.all(links.splice(0).map((l) => l.stop()));
  FakeBoard.destroyAll();
});

describe('opening a board', () => {
  it('comes online through the boot noise of a board that resets on open', async () => {
    const board = new FakeBoard({ bootNoise: '\x00\xf0\xff garbage from the bootloader\r\n\x1b[0m\r\n', bootMs: 50, cols: 20, rows: 4 });
    const link = linkTo(board);
    const caps = await link.start();
    expect(caps).toMatchObject({ cols: 20, rows: 4, firmware: 'botduino', buttons: ['RIGHT', 'UP', 'DOWN', 'LEFT', 'SELECT'] });
    expect(link.state).toBe('online');
    const st = link.stats();
    expect(st.bootNoise).toBeGreaterThan(0);
    expect(Object.values(st.rejects).every((n) => n === 0)).toBe(true);
    expect(board.resets).toBe(1);
  });

  it('reaches a board that does not reset and only answers WHO', async () => {
    const board = new FakeBoard({ resetOnOpen: false, helloAtBoot: false, keypad: ['123', '456', '789', '*0#'] });
    const link = linkTo(board);
    const caps = await link.start();
    expect(caps.keypad).toEqual(['123', '456', '789', '*0#']);
    expect(board.resets).toBe(0);
  });

  it('keeps asking while a slow bootloader eats its first WHOs', async () => {
    const board = new FakeBoard({ bootMs: 700, helloAtBoot: false });
    const link = linkTo(board, { whoIntervalMs: 50, whoMaxIntervalMs: 200 });
    let whos = 0;
    link.on('frame', (f) => {
      if (f.dir === 'tx' && f.msg?.kind === 'WHO') whos++;
    });
    await link.start();
    expect(whos).toBeGreaterThanOrEqual(4);
    expect(link.state).toBe('online');
  });

  it('says to check the cable and flash the firmware when nothing answers', async () => {
    const board = new FakeBoard({ mute: true });
    const link = linkTo(board, { handshakeTimeoutMs: 300, preset: 'lcd-keypad-shield' });
    const err = await link.start().catch((e) => e);
    expect(err).toBeInstanceOf(SerialError);
    expect(err.message).toMatch(/nothing at all came back/);
    expect(err.message).toMatch(/cable/);
    expect(err.message).toContain(`botduino firmware flash --device lcd-keypad-shield --port ${board.path}\``);
    expect(err.message).toMatch(/at 250000 baud/); // the preset's rate
    expect(link.state).toBe('closed');
  });

  it('suspects the baud rate when only garbage comes back', async () => {
    const board = new FakeBoard({ mute: true, bootNoise: '\xf8\x80\xfe\x00\x98\xe0\r\n\xf0\xf8\x80\r\n' });
    const link = linkTo(board, { handshakeTimeoutMs: 300 });
    const err = await link.start().catch((e) => e);
    expect(err).toBeInstanceOf(SerialError);
    expect(err.message).toMatch(/not botduino frames/);
    expect(err.message).toMatch(/baud rate/);
    expect(err.message).toMatch(/250000/); // no device known: the default rate boards are built at
  });

  it('names the rate it was given when the board stays silent', async () => {
    const board = new FakeBoard({ mute: true });
    const link = linkTo(board, { handshakeTimeoutMs: 300, baudRate: 115200 });
    const err = await link.start().catch((e) => e);
    expect(err.message).toMatch(/at 115200 baud/);
  });
});

describe('a board with other firmware', () => {
  it('refuses a board with another schema, says what to flash, and shows it on the LCD', async () => {
    const board = new FakeBoard({ fingerprint: '0BADF00D', version: '0.0.9' });
    const link = linkTo(board, { preset: 'lcd-keypad-shield' });
    const err = await link.start().catch((e) => e);
    expect(err).toBeInstanceOf(MismatchError);
    expect(err.message).toContain('botduino 0.0.9');
    expect(err.message).toContain('0BADF00D');
    expect(err.message).toContain(SCHEMA_FINGERPRINT);
    expect(err.message).toContain(`botduino firmware flash --device lcd-keypad-shield --port ${board.path}\``);
    expect(link.state).toBe('mismatch');
    await expect.poll(() => board.lcd.text()[1]).toBe('reflash botduino');
    expect(board.lcd.text()[0]).toMatch(/^Wrong firmware/);
    expect(board.applied.every((m) => m.kind === 'CLR' || m.kind === 'TXT')).toBe(true);
  });

  it('serves a board built at an earlier revision of the schema, and says what flashing it again would bring', async () => {
    const board = new FakeBoard({ fingerprint: '22570126', version: '0.1.0' }); // revision 1: before HELLO khz and CUR blank
    const lines: string[] = [];
    const link = linkTo(board, { logger: createLogger({ write: (l) => lines.push(l), color: false }) });
    const caps = await link.start();
    expect(link.state).toBe('online');
    expect(caps.schemaRevision).toBe(1);
    expect(lines.join('\n')).toMatch(/schema revision 1 \(this bridge: 2\): it is served as it is; flash it again/);
  });

  it('reads enough of a newer protocol’s HELLO to name its firmware', async () => {
    const body = `HELLO 0 ${PROTOCOL_VERSION + 1} 12345678 "botduino" "2.0.0" "mega" "" 7 1 extra fields`;
    const helloLine = withCrc(body);
    const board = new FakeBoard({ helloLine });
    const link = linkTo(board);
    const err = await link.start().catch((e) => e);
    expect(err).toBeInstanceOf(MismatchError);
    expect(err.message).toContain('botduino 2.0.0 for mega');
    expect(err.message).toContain(`protocol ${PROTOCOL_VERSION + 1}`);
  });
});

describe('ports that will not open', () => {
  it('names another program when the port is locked', async () => {
    const board = new FakeBoard();
    await linkTo(board).start();
    const err = await linkTo(board)
      .start()
      .catch((e) => e);
    expect(err).toBeInstanceOf(SerialError);
    expect(err.code).toBe('serial-busy');
    expect(err.message).toMatch(/in use by another program/);
    expect(err.message).toMatch(/serial monitor/);
  });

  it('explains groups and udev rules on a permission error', async () => {
    const denied: BindingInterface = {
      list: async () => [],
      open: async (o) => {
        throw new Error(`Error: Permission denied, cannot open ${o.path}`);
      },
    };
    const err = await linkTo('/dev/ttyACM7', { binding: denied })
      .start()
      .catch((e) => e);
    expect(err).toBeInstanceOf(SerialError);
    expect(err.code).toBe('serial-permission');
    expect(err.exitCode).toBe(4);
    expect(err.message).toContain('sudo usermod -aG');
    expect(err.message).toMatch(/log out and back in/);
    expect(err.message).toMatch(/dialout/);
    expect(err.message).toMatch(/uucp/);
    expect(err.message).toMatch(/udev rule/);
  });

  it('says the board is not plugged in when the port does not exist', async () => {
    const board = new FakeBoard();
    board.unplug();
    const err = await linkTo(board)
      .start()
      .catch((e) => e);
    expect(err.code).toBe('serial-missing');
    expect(err.message).toMatch(/plugged in/);
    expect(err.message).toContain('botduino ports');
  });
});

function withCrc(body: string): string {
  return body + '*' + crc16(body).toString(16).toUpperCase().padStart(4, '0');
}
