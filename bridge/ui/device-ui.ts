/**
 * DeviceUI: the one object the bridge keeps per device for what its user
 * sees and types. Bot replies and how each send ended go in; ScreenFrames
 * and actions (send this, choose that, start over) come out. Paging is the
 * pager's (pager.ts), the status and the message a retry resends are the
 * outbox's (outbox.ts); this class wires them to the keys and the screen.
 *
 * Over 400 lines: only just; the wiring of every key on every preset to the
 * pager, the composer and the outbox reads best in one place.
 *
 *   const ui = new DeviceUI(link.caps, config.ui);
 *   ui.on('change', () => link.show(ui.frame()));
 *   ui.on('action', async (a) => { const r = await send(a); r.ok ? ui.delivered(r.replies) : ui.failed(r.failure); });
 *   link.on('input', (ev) => ui.handleInput(ev));
 *   ui.send('hi'); // the start message: resent by a retry like anything typed
 */
import { EventEmitter } from 'node:events';
import type { BotReply } from '../chat/replies.js';
import { Outbox, type Sendable, type SendFailure, type UIStatus } from './outbox.js';
import type { DeviceCaps, InputEvent } from '../lcd/device.js';
import { CharMap } from './charmap.js';
import { systemClock, Timer, type Clock } from '../clock.js';
import { Composer, type Intent, type NavCommand } from './compose.js';
import { ConfigError } from '../../common/errors.js';
import { parseOptions, type ResolvedUIOptions, type UIOptions } from './options.js';
import { boxLines, showsBox, StatusTicker } from './status-box.js';
import { Marquee, readingTime } from './timing.js';
import { layout, render, sameFrame, type GlyphSlots, type RenderState } from './render.js';
import type { ScreenFrame } from '../lcd/screen.js';
import { digitsChoose, goTo, move, moveDetail, optionForDigit, pageDown, type PageState } from './pager.js';
import { DocCache, messageText, optionItems, type Doc, type OptionItem, type Origin } from './view.js';

/** What to send to the bot (a retry sends the same again), or start over. */
export type UIAction = Sendable | { type: 'new-conversation' };
export type { SendFailure, UIStatus } from './outbox.js';

/** The parts of the HELLO the UI needs. */
export type UICaps = Pick<DeviceCaps, 'cols' | 'rows' | 'rom' | 'buttons' | 'keypad'> & Partial<Pick<DeviceCaps, 'backlight'>>;

export interface DeviceUIDeps {
  /** Time and timers; default: the system clock. */
  clock?: Clock;
}

interface Shown {
  reply: BotReply;
  origin: Origin;
  text: string;
  items: OptionItem[];
}

export interface DeviceUIEvents {
  change: [];
  action: [action: UIAction];
}

export class DeviceUI extends EventEmitter<DeviceUIEvents> {
  readonly options: ResolvedUIOptions;
  private readonly caps: UICaps;
  private readonly clock: Clock;
  private readonly map: CharMap;
  private readonly composer: Composer;
  private readonly readTimer: Timer;
  private readonly ticker: StatusTicker;
  private readonly marquee: Marquee;

  private messages: Shown[] = [];
  private index = -1;
  private top = 0;
  private selected: number | null = null;
  private detail: { text: string; top: number } | null = null;
  private inputOption: OptionItem | null = null;
  private readonly outbox: Outbox;
  /** The window now shown has had its reading time. */
  private read = false;
  /** The person sent something: the bot's answer shows at once, not after the current screen's reading time. */
  private awaitingReply = false;
  private windowKey = '';
  private slots: GlyphSlots = [];
  private current: ScreenFrame;
  private readonly docs: DocCache;
  private disposed = false;

  constructor(caps: UICaps, options: UIOptions = {}, deps: DeviceUIDeps = {}) {
    super();
    this.caps = caps;
    this.options = parseOptions(options);
    if (!(caps.cols >= 1 && caps.rows >= 1)) {
      throw new ConfigError(
        `The board reports an LCD of ${caps.cols}×${caps.rows}: check "lcd.cols" and "lcd.rows" in its device description and flash it again.`,
      );
    }
    this.clock = deps.clock ?? systemClock;
    this.map = new CharMap(caps.rom, { glyphs: this.options.glyphs });
    this.docs = new DocCache(this.map, caps.cols, this.options.glyphs, caps.rom);
    this.composer = new Composer(caps, this.options, this.clock, () => this.refresh());
    this.readTimer = new Timer(this.clock);
    this.ticker = new StatusTicker(this.clock, this.options.spinnerMs, () => this.refresh());
    this.marquee = new Marquee(this.clock, () => this.refresh());
    this.outbox = new Outbox(
      this.clock,
      this.options,
      (m) => this.emitAction(m),
      () => this.statusChanged(),
    );
    this.current = this.compute();
    this.windowKey = this.currentWindowKey();
  }

  /** What the LCD should show now. */
  frame(): ScreenFrame {
    return this.current;
  }

  /** Bot replies (or a pushed message) to show after whatever is being shown. */
  showReplies(replies: BotReply[], origin: Origin = 'bot'): void {
    if (this.disposed || !replies.length) return;
    for (const reply of replies) {
      this.messages.push({ reply, origin, text: messageText(reply, origin, this.options), items: optionItems(reply, this.options) });
    }
    while (this.messages.length > this.options.history && this.index > 0) {
      this.messages.shift();
      this.index--;
      this.docs.clear();
    }
    const answer = this.awaitingReply && origin !== 'broadcast';
    if (answer) this.awaitingReply = false;
    if (this.index < 0 || answer) this.goTo(this.messages.length - replies.length);
    else if (this.read && this.options.autoAdvance && this.selected === null && !this.detail) this.advance();
    this.refresh();
  }

  /** Sends `text` on the device's behalf (the start message): a retry resends it like anything typed. */
  send(text: string): void {
    if (!this.disposed) this.outbox.send({ type: 'send', text });
  }

  /** The bot answered what was sent (`sent`: the action it answers; default the last one): its replies. */
  delivered(replies: BotReply[], sent?: UIAction): void {
    if (this.disposed) return;
    if (sent?.type !== 'new-conversation') this.outbox.delivered(sent);
    this.showReplies(replies, 'bot');
  }

  /** What was sent did not reach the bot, or was refused: the outbox decides what the screen offers. */
  failed(failure: SendFailure, sent?: UIAction): void {
    if (!this.disposed && sent?.type !== 'new-conversation') this.outbox.failed(failure, sent);
  }

  /**
   * Shows a status by itself, not tied to a send (tests, an error box).
   * `detail`: a line of text; for 'offline', milliseconds until the next try.
   */
  setStatus(status: UIStatus, detail?: string | number): void {
    if (this.disposed) return;
    this.outbox.set(
      status,
      typeof detail === 'string' ? detail : undefined,
      status === 'offline' && typeof detail === 'number' ? detail : undefined,
    );
  }

  /** The status the screen shows. */
  get status(): UIStatus {
    return this.outbox.status;
  }

  private statusChanged(): void {
    if (this.disposed) return;
    if (this.outbox.status === 'thinking') this.awaitingReply = true;
    this.ticker.update(this.outbox.status, this.outbox.retryAt);
    this.refresh();
  }

  /** A button or key event from the board. */
  handleInput(ev: InputEvent): void {
    if (this.disposed) return;
    if (this.overlayShown() && this.handleOverlay(ev)) return this.refresh();
    const doc = this.detail ? null : this.contentDoc();
    for (const intent of this.composer.handle(ev, { digitsChoose: !!doc && digitsChoose(doc) })) this.apply(intent);
    this.refresh();
  }

  /** Stops every timer; the UI does nothing more. */
  dispose(): void {
    this.disposed = true;
    this.readTimer.stop();
    this.ticker.stop();
    this.marquee.stop();
    this.composer.dispose();
    this.outbox.dispose();
    this.removeAllListeners();
  }

  // ——— input ———

  private handleOverlay(ev: InputEvent): boolean {
    if (ev.action !== 'down') return true;
    const b = this.composer.binding(ev);
    if (b === 'new-conversation') return false;
    const retryKey = b === 'select' || b === 'send';
    const status = this.outbox.status;
    if (status === 'not-sent') {
      if (retryKey) this.outbox.retry();
      else if (b === 'back' || b === 'backspace') this.outbox.set('idle');
    } else if (status === 'offline') {
      if (retryKey) this.outbox.retry(); // try now rather than wait
    } else this.outbox.set('idle'); // error, check setup: any key dismisses
    return true;
  }

  private apply(intent: Intent): void {
    switch (intent.type) {
      case 'nav':
        return this.navigate(intent.command);
      case 'digit': {
        const doc = this.contentDoc();
        const i = doc ? optionForDigit(doc, this.top, this.contentHeight(), intent.digit) : -1;
        if (i >= 0) this.activate(i);
        return;
      }
      case 'submit': {
        const opt = this.inputOption;
        this.inputOption = null;
        if (opt && opt.input === intent.kind) this.act({ type: 'choose', option: opt.source, text: intent.text });
        else this.act({ type: 'send', text: intent.text });
        return;
      }
      case 'fixed':
        return this.act({ type: 'send', text: intent.text });
      case 'new-conversation':
        this.messages = [];
        this.docs.clear();
        this.index = -1;
        this.top = 0;
        this.selected = null;
        this.detail = null;
        this.inputOption = null;
        this.outbox.clear();
        this.emitAction({ type: 'new-conversation' });
        return;
      case 'edited':
        if (!this.composer.editor) this.inputOption = null;
        return;
    }
  }

  /** Sends something on the user's behalf (the outbox shows that the bot is thinking). */
  private act(m: Sendable): void {
    this.selected = null;
    this.outbox.send(m);
  }

  private activate(i: number): void {
    const item = this.contentDoc()?.options[i];
    if (!item) return;
    if (item.kind === 'choice') this.act({ type: 'choose', option: item.source, text: item.text });
    else if (item.kind === 'input') {
      if (!this.composer.canType) return; // nothing to type with on a buttons-only device
      this.composer.open(item.input);
      this.inputOption = item;
    } else if (item.kind === 'link') this.detail = { text: item.target ?? item.text, top: 0 };
  }

  private navigate(cmd: NavCommand): void {
    const h = this.contentHeight();
    if (this.detail) {
      const top = moveDetail(this.detail.top, cmd, this.detailDoc()!.lines.length, h);
      this.detail = top === null ? null : { ...this.detail, top };
      return;
    }
    const doc = this.contentDoc();
    if (!doc) return;
    const { state, activate } = move(this.pageState(), cmd, { doc, height: h, messages: this.messages.length });
    this.setPage(state);
    if (activate !== undefined) this.activate(activate);
  }

  private pageState(): PageState {
    return { index: this.index, top: this.top, selected: this.selected };
  }

  private setPage(s: PageState): void {
    if (s.index !== this.index) this.detail = null;
    this.index = s.index;
    this.top = s.top;
    this.selected = s.selected;
  }

  /** Goes to the next message, if there is one. */
  private advance(): void {
    if (this.index < this.messages.length - 1) this.goTo(this.index + 1);
  }

  private goTo(index: number): void {
    this.setPage(goTo(index));
    this.detail = null;
  }

  // ——— time ———

  private onReadingTime(): void {
    const doc = this.contentDoc();
    const h = this.contentHeight();
    if (!this.options.autoAdvance || this.selected !== null || this.detail || !doc) {
      this.read = true;
      return;
    }
    const next = pageDown(this.pageState(), { doc, height: h, messages: this.messages.length });
    if (next.index === this.index && next.top === this.top) this.read = true;
    else this.setPage(next);
    this.refresh();
  }

  /** How far the marked option's label is scrolled now, and keeps the scrolling going. */
  private optionScroll(doc: Doc): number {
    const line = this.selected === null || this.detail ? undefined : doc.lines.find((l) => l.option === this.selected);
    return this.marquee.offset(line?.full ? `${this.index}:${this.selected}` : '', line?.full ? line.full.length - line.cells.length : 0);
  }

  // ——— drawing ———

  private overlayShown(): boolean {
    return showsBox(this.outbox.status);
  }

  private overlayLines(): string[] | null {
    // the key that sends again is named only in the box that asks for it (looking it up walks every key)
    const retryKey = this.outbox.status === 'not-sent' ? this.composer.nameFor(['send', 'select']) : null;
    return boxLines(this.outbox, this.options.labels, retryKey, this.clock.now());
  }

  private contentHeight(): number {
    return layout(this.caps.rows, this.overlayShown(), !!this.composer.editor).content;
  }

  private docFor(key: string, text: string, items: OptionItem[]): Doc {
    return this.docs.get(key, text, items, Math.max(1, this.contentHeight()));
  }

  /** The document of the message shown (or of the idle screen). */
  private contentDoc(): Doc | null {
    const m = this.messages[this.index];
    if (m) return this.docFor(`m${this.index}`, m.text, m.items);
    const idle = this.composer.canType ? this.options.labels.idleKeypad : this.options.labels.idleButtons;
    return this.docFor('idle', idle, []);
  }

  private detailDoc(): Doc | null {
    if (!this.detail) return null;
    return this.docFor(`d:${this.detail.text}`, this.detail.text, []);
  }

  private currentWindowKey(): string {
    return this.detail ? `d${this.detail.top}` : `${this.index}:${this.top}:${this.contentHeight()}`;
  }

  private compute(): ScreenFrame {
    const ed = this.composer.editor;
    const detail = this.detailDoc();
    const doc = detail ?? this.contentDoc();
    // The window may have shrunk or grown (typing, a status box): keep it on the document.
    if (!detail && doc && this.top >= doc.lines.length) this.top = Math.max(0, doc.lines.length - Math.max(1, this.contentHeight()));
    const state: RenderState = {
      cols: this.caps.cols,
      rows: this.caps.rows,
      content: doc && {
        doc,
        top: detail ? this.detail!.top : this.top,
        selected: detail ? null : this.selected,
        moreAfter: !detail && this.index >= 0 && this.index < this.messages.length - 1,
        scroll: detail ? 0 : this.optionScroll(doc),
      },
      input: ed && {
        label:
          ed.kind === 'phone' ? this.options.labels.phone : ed.kind === 'email' ? this.options.labels.email : this.options.labels.message,
        mode: ed.kind === 'phone' ? '123' : ed.upper ? 'ABC' : 'abc',
        text: ed.text,
        pending: ed.pending,
      },
      overlay: this.overlayLines(),
      spinner: this.outbox.status === 'thinking' ? this.ticker.step : null,
      glyphs: this.options.glyphs,
      backlight: true,
    };
    const { frame, slots } = render(state, this.map, this.slots);
    this.slots = slots;
    return frame;
  }

  /** Recomputes the frame; emits 'change' when it differs, and restarts the reading time when the window moved. */
  private refresh(): void {
    if (this.disposed) return;
    const next = this.compute();
    const key = this.currentWindowKey();
    if (key !== this.windowKey || (!this.readTimer.running && !this.read)) {
      this.windowKey = key;
      this.read = false;
      const doc = this.detailDoc() ?? this.contentDoc();
      if (doc && this.index >= 0)
        this.readTimer.start(readingTime(doc, this.top, this.contentHeight(), this.options.readingTime), () => this.onReadingTime());
    }
    if (!sameFrame(next, this.current)) {
      this.current = next;
      this.emit('change');
    }
  }

  private emitAction(action: UIAction): void {
    this.emit('action', action);
  }
}
