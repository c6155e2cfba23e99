import { afterEach, describe, expect, it } from 'vitest';
import { DeviceLink, type DeviceLinkOptions } from '../bridge/link/link.js';
import type { PortInfo } from '../bridge/link/ports.js';
import type { InputEvent, LinkState } from '../bridge/link/types.js';
import { blankFrame, type ScreenFrame } from '../bridge/lcd/screen.js';
import { FakeBinding, FakeBoard } from '../support/fake-board.js';

const links: DeviceLink[] = [];
async function online(board: FakeBoard, opts: Partial<DeviceLinkOptions> = {}) {
  const link = new DeviceLink({
    path: board.path,
    binding: FakeBinding,
    pingIntervalMs: 50,
    reconnectMinMs: 20,
    reconnectMaxMs: 100,
    handshakeTimeoutMs: 500,
    ...opts,
  });
  links.push(link);
  const inputs: InputEvent[] = [];
  const states: LinkState[] = [];
  link.on('input', (ev) => inputs.push(ev));
  link.on('state', (s) => states.push(s));
  await link.start();
  return { link, inputs, states };
}

afterEach(async () => {
  await Promise.all(links.splice(0).map((l) => l.stop()));
  FakeBoard.destroyAll();
});

function frame(rows: string[], cols = 16): ScreenFrame {
  return { ...blankFrame(cols, rows.length), rows: rows.map((r) => r.padEnd(cols).slice(0, cols)) };
}

describe('unplug and replug', () => {
  it('reconnects when the board comes back and restores the screen', async () => {
    const board = new FakeBoard();
    const { link, inputs, states } = await online(board);
    const f = frame(['Hello again', 'after a replug']);
    link.show(f);
    await expect.poll(() => board.lcd.text()).toEqual(f.rows);

    board.unplug();
    await expect.poll(() => link.state).toBe('reconnecting');
    await new Promise((r) => setTimeout(r, 150)); // a few failed attempts while it is away
    board.plug();
    await expect.poll(() => link.state).toBe('online');
    await expect.poll(() => board.lcd.text()).toEqual(f.rows); // the board reset: blank LCD, redrawn
    expect(board.resets).toBe(2);
    expect(link.stats().reconnects).toBe(1);
    expect(states).toEqual(['connecting', 'online', 'reconnecting', 'online']);

    board.press('SELECT');
    await expect.poll(() => inputs.length).toBe(1);
    expect(inputs[0]).toMatchObject({ type: 'button', button: 'SELECT' });
  });

  it('does not deliver twice the events a board re-sends after reconnecting to the same boot', async () => {
    const board = new FakeBoard({ resetOnOpen: false, retransmitMs: 20 });
    const { link, inputs, states } = await online(board);
    // The board never hears our ACKs: it keeps its event and sends it again after the reconnect.
    board.faults.toBoard = (chunk) => (chunk.toString('latin1').includes('ACK') ? Buffer.alloc(0) : chunk);
    board.press('UP');
    await expect.poll(() => inputs.length).toBe(1);
    board.glitch();
    await expect.poll(() => states).toEqual(['connecting', 'online', 'reconnecting', 'online']);
    await expect.poll(() => link.stats().duplicates).toBeGreaterThan(0);
    board.faults.toBoard = undefined;
    board.press('DOWN');
    await expect.poll(() => inputs.length).toBe(2);
    await new Promise((r) => setTimeout(r, 100));
    expect(inputs.map((e) => (e.type === 'button' ? e.button : e.key))).toEqual(['UP', 'DOWN']);
    expect(board.resets).toBe(0);
  });

  it('notices a board that went silent and comes back when it answers again', async () => {
    const board = new FakeBoard({ resetOnOpen: false });
    const { link } = await online(board, { silenceHeartbeats: 2 });
    board.opts.mute = true;
    await expect.poll(() => link.state).toBe('reconnecting');
    board.opts.mute = false;
    await expect.poll(() => link.state).toBe('online');
  });

  it('finds the board under a new port name by its USB serial number', async () => {
    const first = new FakeBoard({ id: 'kiosk-1' });
    let ports: PortInfo[] = [{ path: first.path, serialNumber: 'A1B2C3', likelyArduino: true }];
    const { link } = await online(first, { listPorts: async () => ports });
    const f = frame(['same board', 'new name']);
    link.show(f);
    await expect.poll(() => first.lcd.text()).toEqual(f.rows);
    first.unplug();
    await expect.poll(() => link.state).toBe('reconnecting');
    const again = new FakeBoard({ id: 'kiosk-1' }); // the kernel named it ttyFAKE<n+1> this time
    ports = [{ path: again.path, serialNumber: 'A1B2C3', likelyArduino: true }];
    await expect.poll(() => link.state).toBe('online');
    expect(link.path).toBe(again.path);
    await expect.poll(() => again.lcd.text()).toEqual(f.rows);
  });

  it('does not adopt another board that shows up on the same port', async () => {
    const board = new FakeBoard({ id: 'front-desk', path: '/dev/ttyFAKEdesk' });
    const { link } = await online(board);
    board.unplug();
    await expect.poll(() => link.state).toBe('reconnecting');
    const stranger = new FakeBoard({ id: 'back-office', path: '/dev/ttyFAKEdesk' });
    await new Promise((r) => setTimeout(r, 300));
    expect(link.state).toBe('reconnecting');
    expect(stranger.applied).toEqual([]);
  });

  it('knows the board by the id it was just given', async () => {
    const board = new FakeBoard({ id: 'old-name' });
    const { link } = await online(board);
    await link.setId('new-name');
    board.unplug();
    await expect.poll(() => link.state).toBe('reconnecting');
    board.plug();
    await expect.poll(() => link.state).toBe('online');
    expect(link.caps?.id).toBe('new-name');
  });

  it('stops trying when stopped', async () => {
    const board = new FakeBoard();
    const { link } = await online(board);
    board.unplug();
    await expect.poll(() => link.state).toBe('reconnecting');
    await link.stop();
    expect(link.state).toBe('closed');
    board.plug();
    await new Promise((r) => setTimeout(r, 150));
    expect(board.connected).toBe(false);
  });
});

describe('many boards in one process', () => {
  it('keeps delivering on one board while another is unplugged', async () => {
    const a = new FakeBoard({ id: 'a' });
    const b = new FakeBoard({ id: 'b' });
    const la = await online(a);
    const lb = await online(b);
    a.unplug();
    await expect.poll(() => la.link.state).toBe('reconnecting');
    for (let i = 0; i < 12; i++) {
      b.press(i % 5);
      if (i % 4 === 3) await expect.poll(() => lb.inputs.length).toBe(i + 1);
      const f = frame([`b is fine ${i}`, '']);
      lb.link.show(f);
    }
    await expect.poll(() => lb.inputs.length).toBe(12);
    await expect.poll(() => b.lcd.text()[0]).toBe('b is fine 11    ');
    expect(la.link.state).toBe('reconnecting');
    expect(la.inputs).toHaveLength(0);
    a.plug();
    await expect.poll(() => la.link.state).toBe('online');
  });
});
