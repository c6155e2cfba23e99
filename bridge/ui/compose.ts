/**
 * The composer: buttons and keypad keys → what the user means. Navigation
 * goes back to the UI as intents; typing (multi-tap on a 4×3 keypad) is kept
 * here, with its own timer, until it is sent.
 */
import type { DeviceCaps, InputEvent } from '../lcd/device.js';
import { Timer, type Clock } from '../clock.js';
import type { Binding, ResolvedUIOptions } from './options.js';

/** What is being typed: free text, a phone number, an email address. */
export type InputKind = 'text' | 'phone' | 'email';

export type NavCommand = 'up' | 'down' | 'select' | 'back' | 'next' | 'prev';

/** What a key press means for the UI. */
export type Intent =
  | { type: 'nav'; command: NavCommand }
  /** A digit pressed while options are shown. */
  | { type: 'digit'; digit: string }
  /** Typed text sent with send/select. */
  | { type: 'submit'; text: string; kind: InputKind }
  /** A fixed-text button. */
  | { type: 'fixed'; text: string }
  | { type: 'new-conversation' }
  /** The line being typed changed (opened, edited, closed). */
  | { type: 'edited' };

export interface ComposeContext {
  /** Digits choose options now (options are shown and nothing is being typed). */
  digitsChoose: boolean;
}

/** The line being typed. */
export interface EditorState {
  kind: InputKind;
  text: string;
  /** Index of the letter still being chosen by multi-tap, or null. */
  pending: number | null;
  upper: boolean;
}

/** The letters on each key of a 4×3 phone keypad, in multi-tap order. */
export const TEXT_KEYS: Record<string, string> = {
  '1': ".,?!'-1",
  '2': 'abc2',
  '3': 'def3',
  '4': 'ghi4',
  '5': 'jkl5',
  '6': 'mno6',
  '7': 'pqrs7',
  '8': 'tuv8',
  '9': 'wxyz9',
  '0': ' 0',
};
const EMAIL_KEYS: Record<string, string> = { ...TEXT_KEYS, '1': '.@-_1', '0': '0' };

const BUTTON_DEFAULTS: Record<string, Binding> = {
  UP: 'up',
  DOWN: 'down',
  SELECT: 'select',
  OK: 'select',
  ENTER: 'select',
  LEFT: 'back',
  BACK: 'back',
  RIGHT: 'next',
  NEXT: 'next',
  PREV: 'prev',
  NEW: 'new-conversation',
  RESET: 'new-conversation',
  SEND: 'send',
  DEL: 'backspace',
};
const KEY_DEFAULTS: Record<string, Binding> = { '*': 'backspace', '#': 'send', A: 'up', B: 'down', C: 'back', D: 'select' };

export class Composer {
  /** The line being typed, or null when not typing. */
  editor: EditorState | null = null;
  private readonly timer: Timer;
  /** The last key that typed, and where, so that holding it can type its digit. */
  private last: { key: string; index: number } | null = null;

  constructor(
    private readonly caps: Pick<DeviceCaps, 'buttons' | 'keypad'>,
    private readonly opts: ResolvedUIOptions,
    clock: Clock,
    /** Called when the line changes on its own (a multi-tap letter is taken). */
    private readonly onChange: () => void,
  ) {
    this.timer = new Timer(clock);
  }

  /** Whether this device can type (it has digit keys). */
  get canType(): boolean {
    return this.caps.keypad.some((row) => /[0-9]/.test(row));
  }

  /** What a button or key is bound to. */
  binding(ev: InputEvent): Binding | 'digit' {
    if (ev.type === 'button') {
      const b = this.opts.buttons[ev.button] ?? BUTTON_DEFAULTS[ev.button.toUpperCase()];
      return b ?? (this.caps.buttons.length === 1 ? 'select' : 'none');
    }
    const b = this.opts.keys[ev.key] ?? KEY_DEFAULTS[ev.key];
    if (b) return b;
    return /^[0-9]$/.test(ev.key) ? 'digit' : 'none';
  }

  /** A short name of a key or button bound to `what` ("#", "SELECT"), for hints on screen. */
  nameFor(what: (Binding | 'digit')[]): string | null {
    for (const row of this.caps.keypad)
      for (const key of row) {
        const b = this.binding({ type: 'key', action: 'down', key });
        if (typeof b === 'string' && what.includes(b)) return key;
      }
    for (const [index, button] of this.caps.buttons.entries()) {
      const b = this.binding({ type: 'button', action: 'down', button, index });
      if (typeof b === 'string' && what.includes(b)) return button;
    }
    return null;
  }

  /** Starts typing. */
  open(kind: InputKind = 'text'): void {
    this.commit();
    this.editor = { kind, text: '', pending: null, upper: false };
  }

  close(): void {
    this.commit();
    this.editor = null;
  }

  handle(ev: InputEvent, ctx: ComposeContext): Intent[] {
    if (ev.action === 'up') return [];
    const b = this.binding(ev);
    if (ev.action === 'hold') return this.hold(ev, b);
    if (typeof b === 'object') return [{ type: 'fixed', text: b.send }];
    const ed = this.editor;
    switch (b) {
      case 'none':
        return [];
      case 'digit':
        if (!ed && ctx.digitsChoose) return [{ type: 'digit', digit: (ev as { key: string }).key }];
        if (!ed) this.open('text');
        this.tap((ev as { key: string }).key);
        return [{ type: 'edited' }];
      case 'new-conversation':
        this.editor = null;
        this.commit();
        return [{ type: 'new-conversation' }];
      case 'select':
      case 'send':
        return ed ? this.submit() : [{ type: 'nav', command: 'select' }];
      case 'back':
        if (!ed) return [{ type: 'nav', command: 'back' }];
        if (ed.text) this.backspace();
        else this.close();
        return [{ type: 'edited' }];
      case 'backspace':
        if (!ed) {
          if (!this.canType) return [{ type: 'nav', command: 'back' }];
          this.open('text');
        } else if (ed.text) this.backspace();
        else this.close();
        return [{ type: 'edited' }];
      case 'type':
        if (!ed) this.open('text');
        return [{ type: 'edited' }];
      case 'case':
        if (!ed) return [];
        this.commit();
        ed.upper = !ed.upper;
        return [{ type: 'edited' }];
      default:
        this.commit();
        return [{ type: 'nav', command: b }];
    }
  }

  /** Stops the multi-tap timer. */
  dispose(): void {
    this.timer.stop();
  }

  private hold(ev: InputEvent, b: Binding | 'digit'): Intent[] {
    const ed = this.editor;
    if (!ed) return [];
    if (b === 'backspace' && ev.type === 'key') {
      // Holding the backspace key clears the line.
      ed.text = '';
      ed.pending = null;
      this.last = null;
      return [{ type: 'edited' }];
    }
    if (b !== 'digit' || ev.type !== 'key' || !this.last || this.last.key !== ev.key) return [];
    const ch = ed.kind === 'phone' ? (ev.key === '0' ? '+' : ev.key) : ev.key;
    const i = this.last.index;
    ed.text = ed.text.slice(0, i) + ch + ed.text.slice(i + 1);
    this.commit();
    return [{ type: 'edited' }];
  }

  private tap(key: string): void {
    const ed = this.editor!;
    if (ed.kind === 'phone') {
      this.commit();
      if (ed.text.length >= this.opts.maxInput) return;
      ed.text += key;
      this.last = { key, index: ed.text.length - 1 };
      return;
    }
    const letters = (ed.kind === 'email' ? EMAIL_KEYS : TEXT_KEYS)[key] ?? key;
    const cased = (s: string) => (ed.upper && ed.kind === 'text' ? s.toUpperCase() : s);
    if (ed.pending !== null && this.last?.key === key) {
      const now = letters.indexOf(ed.text[ed.pending].toLowerCase());
      const next = cased(letters[(now + 1) % letters.length]);
      ed.text = ed.text.slice(0, ed.pending) + next + ed.text.slice(ed.pending + 1);
    } else {
      this.commit();
      if (ed.text.length >= this.opts.maxInput) return;
      ed.text += cased(letters[0]);
      ed.pending = ed.text.length - 1;
      this.last = { key, index: ed.pending };
    }
    this.timer.start(this.opts.multiTapMs, () => {
      if (this.editor) this.editor.pending = null;
      this.onChange();
    });
  }

  private backspace(): void {
    const ed = this.editor!;
    this.commit();
    ed.text = ed.text.slice(0, -1);
    this.last = null;
  }

  private commit(): void {
    this.timer.stop();
    if (this.editor) this.editor.pending = null;
  }

  private submit(): Intent[] {
    const ed = this.editor!;
    this.commit();
    const text = ed.text.trim();
    if (!text) return [];
    this.editor = null;
    this.last = null;
    return [{ type: 'submit', text, kind: ed.kind }];
  }
}
