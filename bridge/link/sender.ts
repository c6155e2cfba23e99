/**
 * Sending to the board: the queue of commands, the LCD as the board has it
 * and as planned, the send window (go-back-N within the board's receive
 * buffer), retransmit on timeout and on NAK, and what survives a reconnect.
 */
import { encode } from '../../protocol/codec.js';
import type { Message, MessageOf } from '../../protocol/schema.js';
import { Timer, type Clock } from '../clock.js';
import type { Logger } from '../log.js';
import type { ScreenFrame } from '../lcd/screen.js';
import { CLEAR_PAGE, type PagePlan } from './page-plan.js';
import { diffScreen, LcdModel } from './screen-model.js';
import { prevSeq } from './seq.js';
import type { DeviceCaps, ScreenCommand } from './types.js';
import { SendWindow, type InFlight, type RtoOptions } from './window.js';

export type Outgoing = { [K in Message['kind']]: Omit<MessageOf<K>, 'seq'> & { kind: K } }[Message['kind']];
export type Done = (err?: Error) => void;
interface Queued {
  msg: Outgoing;
  done?: Done;
}
type Frame = InFlight & { done?: Done };

const SCREEN_KINDS = new Set(['CLR', 'TXT', 'GLY', 'CUR', 'BL']);
const zeroNaks = () => ({ crc: 0, long: 0, kind: 0, field: 0, trunc: 0, esc: 0, order: 0 });

/** What the sender needs from the link. */
export interface SenderLink {
  /** The board's receive buffer in bytes when the link is online, else null: nothing goes out. */
  room(): number | null;
  /** Writes a line (with its "\n") on the current session. */
  writeLine(line: string, msg: Message): void;
  /** Pins the board's expected seq with WHO. */
  who(next: number): void;
  /** The board acknowledged SETID `id`. */
  idStored(id: string): void;
}

export interface SenderOptions extends RtoOptions {
  mergeGap: number;
  resyncAfterTimeouts: number;
}

export class Sender {
  readonly win: SendWindow;
  private readonly queue: Queued[] = [];
  private readonly retxTimer: Timer;
  private timeoutsInARow = 0;
  private lastGoBack = { exp: -1, at: 0 };
  retransmits = 0;
  readonly naks = zeroNaks();

  private desired: ScreenFrame | null = null;
  private screenDirty = false;
  /** Commands worked out for `desired` and not sent yet: sent in order as the board's buffer frees up. */
  private screenCmds: ScreenCommand[] = [];
  private page: PagePlan = CLEAR_PAGE;
  private shown: LcdModel | null = null;
  private planned: LcdModel | null = null;
  private ledOn: boolean | null = null;

  constructor(
    private readonly clock: Clock,
    private readonly o: SenderOptions,
    private readonly link: SenderLink,
    private readonly log: Logger,
  ) {
    this.win = new SendWindow(o);
    this.retxTimer = new Timer(clock);
  }

  /** What the LCD shows as far as the board has acknowledged (null before the first HELLO). */
  get screen(): string[] | null {
    return this.shown ? this.shown.text() : null;
  }

  get queueDepth(): number {
    return this.queue.length + this.win.frames.length;
  }

  show(frame: ScreenFrame): void {
    this.desired = frame;
    this.screenDirty = true;
    this.pump();
  }

  led(on: boolean): void {
    this.ledOn = on;
    for (let i = this.queue.length - 1; i >= 0; i--) if (this.queue[i].msg.kind === 'LED') this.queue.splice(i, 1);
    this.enqueue({ kind: 'LED', on });
  }

  enqueue(msg: Outgoing, done?: Done): void {
    this.queue.push({ msg, done });
    this.pump();
  }

  /** Everything queued and in flight fails with `err` (the link stopped). */
  fail(err: Error): void {
    this.retxTimer.stop();
    for (const f of this.win.clear() as Frame[]) f.done?.(err);
    for (const q of this.queue.splice(0)) q.done?.(err);
  }

  /** The session ended: no retransmits until the next. */
  pause(): void {
    this.retxTimer.stop();
  }

  /** Sends what the board's buffer has room for: queued commands first, then the screen's changes. */
  pump(): void {
    const limit = this.link.room();
    if (limit === null) return;
    while (this.queue.length) {
      const q = this.queue[0];
      const msg = { ...q.msg, seq: this.win.next } as Message;
      const line = encode(msg) + '\n';
      if (!this.win.fits(line.length, limit)) return;
      this.queue.shift();
      this.transmit(line, msg, q.done);
    }
    if (!this.desired || !this.planned) return;
    if (this.screenDirty) {
      // worked out from what the board will show once everything sent arrives (a page half sent included)
      this.screenCmds = diffScreen(this.desired, this.planned, this.o.mergeGap, this.page);
      this.screenDirty = false;
    }
    while (this.screenCmds.length) {
      const cmd = this.screenCmds[0];
      const msg = { ...cmd, seq: this.win.next } as Message;
      const line = encode(msg) + '\n';
      if (!this.win.fits(line.length, limit)) return; // the rest goes when room frees up
      this.screenCmds.shift();
      this.planned.apply(cmd);
      this.transmit(line, msg);
    }
  }

  private transmit(line: string, msg: Message, done?: Done): void {
    this.win.add(line, msg, this.clock.now());
    if (done) (this.win.frames[this.win.frames.length - 1] as Frame).done = done;
    this.link.writeLine(line, msg);
    if (!this.retxTimer.running) this.arm();
  }

  ack(seq: number): void {
    const done = this.win.ack(seq, this.clock.now()) as Frame[];
    if (!done.length) return;
    this.timeoutsInARow = 0;
    for (const f of done) {
      if (SCREEN_KINDS.has(f.msg.kind)) this.shown?.apply(f.msg as ScreenCommand);
      else if (f.msg.kind === 'SETID') this.link.idStored(f.msg.id);
      f.done?.();
    }
    this.arm();
    this.pump();
  }

  nak(msg: MessageOf<'NAK'>): void {
    this.naks[msg.why]++;
    const place = this.win.place(msg.exp);
    if (place === 'stale') return;
    if (place === 'lost') {
      // The board expects a seq never sent: it lost its session. Pin it again and resend.
      this.log.debug(`board expects seq ${msg.exp}, resyncing from ${this.win.base}`);
      this.link.who(this.win.base);
      this.goBack();
      return;
    }
    if (msg.exp !== this.win.base) this.ack(prevSeq(msg.exp));
    if (!this.win.frames.length) return;
    const now = this.clock.now();
    // Several NAKs for one loss arrive together: go back once per round trip.
    if (this.lastGoBack.exp === msg.exp && now - this.lastGoBack.at < this.win.rto / 2) return;
    this.lastGoBack = { exp: msg.exp, at: now };
    this.goBack();
  }

  private goBack(): void {
    const frames = this.win.resendAll(this.clock.now());
    for (const f of frames) {
      this.retransmits++;
      this.link.writeLine(f.line, f.msg);
    }
    this.arm();
  }

  private arm(): void {
    this.retxTimer.stop();
    if (!this.win.frames.length || this.link.room() === null) return;
    this.retxTimer.start(this.win.rto, () => this.onTimeout());
  }

  private onTimeout(): void {
    if (this.link.room() === null || !this.win.frames.length) return;
    this.win.timedOut();
    if (++this.timeoutsInARow >= this.o.resyncAfterTimeouts) {
      this.timeoutsInARow = 0;
      this.link.who(this.win.base);
    }
    this.goBack();
  }

  /** After a (re)connect or a board reset: nothing in flight counts, the LCD is unknown. `page`: how page changes are written on this board. */
  reset(caps: DeviceCaps, page: PagePlan = CLEAR_PAGE): void {
    this.page = page;
    this.screenCmds = [];
    this.retxTimer.stop();
    this.timeoutsInARow = 0;
    const requeue: Queued[] = [];
    for (const f of this.win.clear() as Frame[]) {
      // SETID is safe to repeat; TONE is dropped; the LED is restored below; the screen is redrawn.
      if (f.msg.kind === 'SETID') requeue.push({ msg: { kind: 'SETID', id: f.msg.id }, done: f.done });
    }
    this.queue.unshift(...requeue);
    for (let i = this.queue.length - 1; i >= 0; i--) if (this.queue[i].msg.kind === 'LED') this.queue.splice(i, 1);
    if (this.ledOn !== null) this.queue.push({ msg: { kind: 'LED', on: this.ledOn } });
    if (!this.shown || this.shown.cols !== caps.cols || this.shown.rows !== caps.rows) {
      this.shown = new LcdModel(caps.cols, caps.rows);
      this.planned = new LcdModel(caps.cols, caps.rows);
    } else {
      this.shown.forget();
      this.planned!.forget();
    }
    this.screenDirty = this.desired !== null;
  }
}
