/**
 * DeviceUI: the one object the bridge keeps per device for what its user
 * sees and types. Bot replies and status go in; ScreenFrames and actions
 * (send this, choose that, retry, start over) come out.
 *
 *   const ui = new DeviceUI(link.caps, config.ui);
 *   ui.on('change', () => link.show(ui.frame()));
 *   ui.on('action', (a) => chat.handle(a));
 *   link.on('input', (ev) => ui.handleInput(ev));
 *   ui.setStatus('thinking'); ui.showReplies(replies, 'bot');
 */
import { EventEmitter } from 'node:events';
import type { BotReply, QuickReply, ReplyButton } from '../chat/replies.js';
import type { DeviceCaps, InputEvent } from '../lcd/device.js';
import { CharMap } from './charmap.js';
import { systemClock, Timer, type Clock } from '../clock.js';
import { Composer, type Intent, type NavCommand } from './compose.js';
import { ConfigError } from '../../common/errors.js';
import { UIOptionsSchema, type ResolvedUIOptions, type UIOptions } from './options.js';
import { layout, render, type GlyphSlots, type RenderState } from './render.js';
import type { ScreenFrame } from '../lcd/screen.js';
import { goTo, move, moveDetail, pageDown, type PageState } from './pager.js';
import { buildDoc, messageText, optionItems, type Doc, type OptionItem, type Origin } from './view.js';

/** What the user asked for. */
export type UIAction =
  | { type: 'send'; text: string }
  /** An option was chosen: `text` is what to send (the payload, or what was typed for a phone/email quick reply). */
  | { type: 'choose'; option: QuickReply | ReplyButton; text: string }
  /** Send again what was not sent. */
  | { type: 'retry' }
  | { type: 'new-conversation' };

/** The state of the link to the bot, as the screen shows it. */
export type UIStatus = 'idle' | 'thinking' | 'offline' | 'error' | 'not-sent';

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

export declare interface DeviceUI {
  on(event: 'change', listener: () => void): this;
  on(event: 'action', listener: (action: UIAction) => void): this;
  off(event: 'change', listener: () => void): this;
  off(event: 'action', listener: (action: UIAction) => void): this;
}

export class DeviceUI extends EventEmitter {
  readonly options: ResolvedUIOptions;
  private readonly caps: UICaps;
  private readonly clock: Clock;
  private readonly map: CharMap;
  private readonly composer: Composer;
  private readonly readTimer: Timer;
  private readonly spinTimer: Timer;
  private readonly countdown: Timer;
  private readonly marquee: Timer;

  private messages: Shown[] = [];
  private index = -1;
  private top = 0;
  private selected: number | null = null;
  private detail: { text: string; top: number } | null = null;
  private inputOption: OptionItem | null = null;
  private status: UIStatus = 'idle';
  private statusDetail: string | undefined;
  private retryAt: number | null = null;
  private spinStep = 0;
  /** Steps of the marked option's scrolling; its label moves after a pause, and pauses at the end. */
  private scrollStep = 0;
  private scrollKey = '';
  /** The window now shown has had its reading time. */
  private read = false;
  /** The person sent something: the bot's answer shows at once, not after the current screen's reading time. */
  private awaitingReply = false;
  private windowKey = '';
  private slots: GlyphSlots = [];
  private current: ScreenFrame;
  private readonly docs = new Map<string, Doc>();
  private disposed = false;

  constructor(caps: UICaps, options: UIOptions = {}, deps: DeviceUIDeps = {}) {
    super();
    this.caps = caps;
    this.options = parseOptions(options);
    if (!(caps.cols >= 1 && caps.rows >= 1)) {
      throw new ConfigError(`The board reports an LCD of ${caps.cols}×${caps.rows}: check "lcd.cols" and "lcd.rows" in its device description and flash it again.`);
    }
    this.clock = deps.clock ?? systemClock;
    this.map = new CharMap(caps.rom, { glyphs: this.options.glyphs });
    this.composer = new Composer(caps, this.options, this.clock, () => this.refresh());
    this.readTimer = new Timer(this.clock);
    this.spinTimer = new Timer(this.clock);
    this.countdown = new Timer(this.clock);
    this.marquee = new Timer(this.clock);
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
    if (origin !== 'broadcast' && this.status === 'thinking') this.setStatus('idle');
    const answer = this.awaitingReply && origin !== 'broadcast';
    if (answer) this.awaitingReply = false;
    if (this.index < 0 || answer) this.goTo(this.messages.length - replies.length);
    else if (this.read && this.options.autoAdvance && this.selected === null && !this.detail) this.advance();
    this.refresh();
  }

  /**
   * What the bot link is doing. `detail`: a line of text for the screen; for
   * 'offline', a number of milliseconds until the next try shows a countdown.
   */
  setStatus(status: UIStatus, detail?: string | number): void {
    if (this.disposed) return;
    this.status = status;
    this.statusDetail = typeof detail === 'string' ? detail : undefined;
    this.retryAt = status === 'offline' && typeof detail === 'number' ? this.clock.now() + detail : null;
    this.countdown.stop();
    if (this.retryAt !== null) this.tickCountdown();
    if (status === 'thinking') {
      if (!this.spinTimer.running) this.spin();
    } else this.spinTimer.stop();
    this.refresh();
  }

  /** A button or key event from the board. */
  handleInput(ev: InputEvent): void {
    if (this.disposed) return;
    if (this.overlayShown() && this.handleOverlay(ev)) return this.refresh();
    const doc = this.detail ? null : this.contentDoc();
    const digitsChoose = !!doc?.options.some((o) => o.digit !== undefined);
    for (const intent of this.composer.handle(ev, { digitsChoose })) this.apply(intent);
    this.refresh();
  }

  /** Stops every timer; the UI does nothing more. */
  dispose(): void {
    this.disposed = true;
    this.readTimer.stop();
    this.spinTimer.stop();
    this.countdown.stop();
    this.marquee.stop();
    this.composer.dispose();
    this.removeAllListeners();
  }

  // ——— input ———

  private handleOverlay(ev: InputEvent): boolean {
    if (ev.action !== 'down') return true;
    const b = this.composer.binding(ev);
    if (b === 'new-conversation') return false;
    if (this.status === 'not-sent') {
      if (b === 'select' || b === 'send') {
        this.setStatus('thinking');
        this.awaitingReply = true;
        this.emitAction({ type: 'retry' });
      } else if (b === 'back' || b === 'backspace') this.setStatus('idle');
    } else if (this.status === 'error') this.setStatus('idle');
    return true;
  }

  private apply(intent: Intent): void {
    switch (intent.type) {
      case 'nav':
        return this.navigate(intent.command);
      case 'digit': {
        const doc = this.contentDoc();
        const i = doc?.options.findIndex((o) => o.digit === intent.digit) ?? -1;
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
        this.setStatus('idle');
        this.emitAction({ type: 'new-conversation' });
        return;
      case 'edited':
        if (!this.composer.editor) this.inputOption = null;
        return;
    }
  }

  /** Sends something on the user's behalf, and shows that the bot is thinking. */
  private act(action: UIAction): void {
    this.selected = null;
    this.awaitingReply = true;
    this.setStatus('thinking');
    this.emitAction(action);
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

  private readingTime(doc: Doc, h: number): number {
    let chars = 0;
    for (const line of doc.lines.slice(this.top, this.top + h)) for (const c of line.cells) if (c !== 0x20) chars++;
    const r = this.options.readingTime;
    return Math.min(r.maxMs, Math.max(r.minMs, r.baseMs + r.perCharMs * chars));
  }

  private spin(): void {
    this.spinTimer.start(this.options.spinnerMs, () => {
      this.spinStep++;
      this.spin();
      this.refresh();
    });
  }

  private tickCountdown(): void {
    const left = (this.retryAt ?? 0) - this.clock.now();
    if (left <= 0) return;
    this.countdown.start(left % 1000 || 1000, () => {
      this.tickCountdown();
      this.refresh();
    });
  }

  /** How far the marked option's label is scrolled now, and keeps the scrolling going. */
  private optionScroll(doc: Doc): number {
    const line = this.selected === null || this.detail ? undefined : doc.lines.find((l) => l.option === this.selected);
    const key = line?.full ? `${this.index}:${this.selected}` : '';
    if (key !== this.scrollKey) {
      this.scrollKey = key;
      this.scrollStep = 0;
      this.marquee.stop();
    }
    if (!line?.full) return 0;
    const overflow = line.full.length - line.cells.length;
    const pause = 3;
    const cycle = overflow + 2 * pause;
    if (!this.marquee.running) {
      this.marquee.start(MARQUEE_MS, () => {
        this.scrollStep = (this.scrollStep + 1) % cycle;
        this.refresh();
      });
    }
    return Math.max(0, Math.min(overflow, this.scrollStep - pause));
  }

  // ——— drawing ———

  private overlayShown(): boolean {
    return this.status === 'offline' || this.status === 'error' || this.status === 'not-sent';
  }

  private overlayLines(): string[] | null {
    const l = this.options.labels;
    switch (this.status) {
      case 'offline': {
        if (this.statusDetail) return [l.offline, this.statusDetail];
        const left = this.retryAt === null ? 0 : Math.ceil((this.retryAt - this.clock.now()) / 1000);
        return [l.offline, left > 0 ? l.retryingIn.replace('{s}', String(left)) : l.retrying];
      }
      case 'error':
        return [l.error, this.statusDetail ?? ''];
      case 'not-sent': {
        const key = this.composer.nameFor(['send', 'select']) ?? 'Press';
        return [l.notSent, l.pressToRetry.replace('{key}', key)];
      }
      default:
        return null;
    }
  }

  private contentHeight(): number {
    return layout(this.caps.rows, this.overlayShown(), !!this.composer.editor).content;
  }

  private glyphBudget(): number {
    if (!this.options.glyphs) return 0;
    return 8 - 1; // one is kept for the spinner
  }

  /** Glyphs ▲ ▼ take on a paged screen (A02 has them in ROM). */
  private indicatorGlyphs(): number {
    return this.options.glyphs && this.caps.rom === 'A00' ? 2 : 0;
  }

  private docFor(key: string, text: string, items: OptionItem[]): Doc {
    const h = Math.max(1, this.contentHeight());
    const full = `${key}:${h}`;
    let doc = this.docs.get(full);
    if (!doc) {
      if (this.docs.size > 16) this.docs.clear();
      doc = buildDoc(text, items, this.map, this.caps.cols, h, this.glyphBudget(), this.indicatorGlyphs());
      this.docs.set(full, doc);
    }
    return doc;
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
        label: ed.kind === 'phone' ? this.options.labels.phone : ed.kind === 'email' ? this.options.labels.email : this.options.labels.message,
        mode: ed.kind === 'phone' ? '123' : ed.upper ? 'ABC' : 'abc',
        text: ed.text,
        pending: ed.pending,
      },
      overlay: this.overlayLines(),
      spinner: this.status === 'thinking' ? this.spinStep : null,
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
      if (doc && this.index >= 0) this.readTimer.start(this.readingTime(doc, this.contentHeight()), () => this.onReadingTime());
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

/** Time between steps of a long option's scrolling. */
const MARQUEE_MS = 400;

function parseOptions(options: UIOptions): ResolvedUIOptions {
  const parsed = UIOptionsSchema.safeParse(options);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((i) => `${['ui', ...i.path].join('.')}: ${i.message}`).join('; ');
  throw new ConfigError(`Bad screen options (${problems}): fix the "ui" section of the configuration.`);
}

function sameFrame(a: ScreenFrame, b: ScreenFrame): boolean {
  if (a.backlight !== b.backlight || a.cursor.mode !== b.cursor.mode || a.cursor.row !== b.cursor.row || a.cursor.col !== b.cursor.col) return false;
  if (a.rows.some((r, i) => r !== b.rows[i])) return false;
  return a.glyphs.every((g, i) => {
    const h = b.glyphs[i];
    return g === h || (!!g && !!h && g.length === h.length && g.every((v, j) => v === h[j]));
  });
}
