/**
 * The simulated board's serial port as a pseudo-terminal, so programs with
 * their own serial code (avrdude, or the bridge through the native
 * serialport binding) open it as they would /dev/ttyACM0:
 *
 *   const pty = await exposeOnPty(board, '/tmp/botduino-uno');  // a symlink to /dev/pts/N
 *   // avrdude -c arduino -P /tmp/botduino-uno …
 *   await pty.close();
 *
 * Node has no pty API, so a few lines of Python (standard library: pty,
 * select) hold the pty's master side and relay bytes between it and this
 * process. Reset on open: a real Uno resets when the port is opened, because
 * the USB-serial chip raises DTR then. A pty has no DTR (avrdude's
 * TIOCMGET/TIOCMSET on it fail with "Inappropriate ioctl for device"), so
 * the helper watches the master side instead: while no program has the
 * slave side open, the master reports POLLHUP; the helper polls for that
 * every millisecond while the port is closed and reports the moment it
 * clears (opened) and when it returns (closed). Each open resets the board.
 * A close followed by a reopen within the same millisecond would go unseen.
 * The line rate the program sets on the port (termios, custom rates
 * included) becomes the simulated line's host rate, so a board's bootloader
 * at 115200 and its firmware at 250000 each talk to a program set to theirs.
 *
 * The board runs paced to the wall clock while it is exposed, never ahead
 * of it, so Optiboot's 1 s wait after a reset lasts at least 1 s of real
 * time for avrdude; when the machine is loaded it falls behind instead, and
 * avrdude waits longer for each answer (up to its own timeouts, which are
 * seconds per answer while the board needs milliseconds of simulated time).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { ConfigError } from '../../common/errors.js';
import type { SimBoard } from './board.js';
import { runnerFor } from './runner.js';

const HELPER = String.raw`
import os, sys, pty, tty, select, struct, time, fcntl
link = sys.argv[1]
m, s = pty.openpty()
tty.setraw(s)
name = os.ttyname(s)
os.close(s)
tmp = '%s.%d' % (link, os.getpid())
os.symlink(name, tmp)
os.replace(tmp, link)
out = sys.stdout.buffer
def send(t, data=b''):
    out.write(t + struct.pack('>H', len(data)) + data)
    out.flush()
send(b'P', name.encode())
pm = select.poll(); pm.register(m, select.POLLIN)
pb = select.poll(); pb.register(m, select.POLLIN); pb.register(0, select.POLLIN)
ps = select.poll(); ps.register(0, select.POLLIN)
opened = False
rate = 0
def check_rate():
    # the line rate the program set on the port (TCGETS2: custom rates too)
    global rate
    try:
        r = struct.unpack('I', fcntl.ioctl(m, 0x802C542A, b'\0' * 44)[40:44])[0]
    except OSError:
        return
    if r and r != rate:
        rate = r
        send(b'B', struct.pack('>I', r))
try:
    while True:
        if not opened:
            ev = pm.poll(0)
            if ev and ev[0][1] & select.POLLHUP:
                for fd, e in ps.poll(1):
                    data = os.read(0, 4096)
                    if not data:
                        sys.exit(0)
                continue
            opened = True
            send(b'O')
        check_rate()
        for fd, e in pb.poll(5):
            check_rate()
            if fd == 0:
                data = os.read(0, 4096)
                if not data:
                    sys.exit(0)
                if opened:
                    os.write(m, data)
            elif e & select.POLLIN:
                try:
                    data = os.read(m, 4096)
                except OSError:
                    data = b''
                if data:
                    send(b'D', data)
                else:
                    opened = False
                    send(b'C')
            elif e & select.POLLHUP:
                opened = False
                send(b'C')
finally:
    try:
        if os.readlink(link) == name:
            os.unlink(link)
    except OSError:
        pass
`;

export interface PtyEvents {
  /** A program opened the port (the board was reset). */
  open: [];
  close: [];
}

/**
 * The pty of one simulated board. Unplugging the board removes it, as the
 * kernel removes /dev/ttyACM0 when a USB cable is pulled (a program that has
 * it open sees a hang-up); plugging it back in makes it again at the same path.
 */
export class SimPty extends EventEmitter<PtyEvents> {
  /** The pty's own name (/dev/pts/N). */
  ttyName = '';
  /** Opens of the port so far. */
  opens = 0;
  private child: ChildProcess | null = null;
  private buf = Buffer.alloc(0);
  private closed = false;
  private readonly onData = (b: Buffer) => this.child?.stdin?.write(b);
  private readonly onUnplug = () => void this.stopHelper();
  private readonly onPlug = () => void this.startHelper().catch(() => {});

  constructor(
    readonly board: SimBoard,
    /** The symlink to open. */
    readonly path: string,
  ) {
    super();
  }

  /** Creates the pty and runs the board in real time. */
  async start(): Promise<void> {
    this.board.serial.on('data', this.onData);
    this.board.on('unplug', this.onUnplug);
    this.board.on('plug', this.onPlug);
    runnerFor(this.board).start();
    if (this.board.powered) await this.startHelper();
  }

  /** Removes the port and stops running the board. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.board.serial.off('data', this.onData);
    this.board.off('unplug', this.onUnplug);
    this.board.off('plug', this.onPlug);
    runnerFor(this.board).stop();
    await this.stopHelper();
  }

  private async startHelper(): Promise<void> {
    if (this.closed || this.child) return;
    const child = spawn('python3', ['-c', HELPER, this.path], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child = child;
    this.buf = Buffer.alloc(0);
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdin!.on('error', () => {});
    await new Promise<void>((resolve, reject) => {
      child.once('error', (e: NodeJS.ErrnoException) =>
        reject(
          e.code === 'ENOENT'
            ? new ConfigError(
                'python3 is needed to give the simulated board a pseudo-terminal: install it (`sudo apt-get install python3`).',
                { cause: e },
              )
            : e,
        ),
      );
      child.once('close', (code) => {
        if (this.child === child) this.child = null;
        reject(new ConfigError(`Could not create a pseudo-terminal at ${this.path} (exit ${code}): ${stderr.trim()}`));
      });
      child.stdout!.on('data', (d: Buffer) =>
        this.input(d, (name) => {
          this.ttyName = name;
          resolve();
        }),
      );
    });
  }

  private async stopHelper(): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.child = null;
    const gone = new Promise<void>((r) => (child.exitCode !== null || child.signalCode !== null ? r() : child.once('close', () => r())));
    child.stdin!.end();
    await gone;
  }

  /** Reads the helper's framed output. */
  private input(chunk: Buffer, ready: (name: string) => void): void {
    this.buf = Buffer.concat([this.buf, chunk]);
    while (this.buf.length >= 3) {
      const len = this.buf.readUInt16BE(1);
      if (this.buf.length < 3 + len) return;
      const type = String.fromCharCode(this.buf[0]);
      const data = this.buf.subarray(3, 3 + len);
      this.buf = this.buf.subarray(3 + len);
      if (type === 'P') ready(data.toString());
      else if (type === 'O') {
        this.opens++;
        this.board.serial.clear();
        // DTR on open resets an Uno
        if (this.board.powered) this.board.reset();
        this.emit('open');
      } else if (type === 'B') this.board.serial.hostBaud = data.readUInt32BE(0);
      else if (type === 'C') this.emit('close');
      else if (type === 'D' && this.board.powered) this.board.serial.write(Buffer.from(data));
    }
  }
}

/**
 * Makes `board`'s serial port a pty reachable at `path` (a symlink) and runs
 * the board in real time until `close()`. Needs python3.
 */
export async function exposeOnPty(board: SimBoard, path: string): Promise<SimPty> {
  const pty = new SimPty(board, path);
  await pty.start();
  return pty;
}
