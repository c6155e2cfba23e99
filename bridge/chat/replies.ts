/**
 * A bot's reply as botduino understands it, whatever shape the API sent.
 * The client's tolerant parser produces these; the renderer lays them out.
 */
export interface QuickReply {
  /** Text, Return (shown as ❮), Location, User Email, User Phone Number. */
  type: 'text' | 'return' | 'location' | 'email' | 'phone';
  title: string;
  /** What to send back when chosen (defaults to the title). */
  payload?: string;
}

export interface ReplyButton {
  /** URL (visit a website), Story (start another story), Phone (call), Text (sends its text). */
  type: 'url' | 'story' | 'phone' | 'text';
  title: string;
  /** The URL, phone number, or payload to send back. */
  value?: string;
}

export type BotReply =
  | { kind: 'text'; text: string; buttons: ReplyButton[]; quickReplies: QuickReply[] }
  /** Images, video, audio, cards, stickers, locations, unknown kinds: shown as a short placeholder. */
  | { kind: 'placeholder'; label: string; text?: string; buttons: ReplyButton[]; quickReplies: QuickReply[] };

/** Where a pushed message came from (X-BotDistrikt-Source). */
export type PushSource = 'human' | 'broadcast' | 'bot';
