/**
 * The tolerant parser: whatever shape the Send Message response (or a
 * webhook push) has, turn it into BotReply[]. Unknown things never throw;
 * they become a short placeholder. The likely shapes are listed in
 * /work/shared/research/botdistrikt-api.md and in the tests.
 */
import type { BotReply, QuickReply, ReplyButton } from '../chat/replies.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined =>
  typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined;
const first = (...vs: unknown[]): string | undefined => {
  for (const v of vs) {
    const s = str(v);
    if (s !== undefined && s !== '') return s;
  }
  return undefined;
};

/** Keys under which a list of messages may be held, in order of likelihood. */
const LIST_KEYS = ['responses', 'messages', 'data', 'replies', 'message', 'response', 'result'];
/** Longest placeholder label. */
const MAX_LABEL = 24;

/** Turns a response body (already JSON-parsed) into the replies to show. */
export function parseReplies(body: unknown): BotReply[] {
  const out: BotReply[] = [];
  for (const item of messageList(body, 0)) out.push(...parseOne(item));
  return out;
}

function messageList(body: unknown, depth: number): unknown[] {
  if (body === null || body === undefined || body === '') return [];
  if (Array.isArray(body)) return body;
  if (typeof body === 'string') return [body];
  if (!isObj(body)) return [body];
  if (depth < 3 && !looksLikeMessage(body)) {
    for (const k of LIST_KEYS) {
      const v = body[k];
      if (Array.isArray(v)) return v;
      if (isObj(v)) return messageList(v, depth + 1);
    }
  }
  return [body];
}

function looksLikeMessage(o: Obj): boolean {
  return ['text', 'content', 'attachment', 'quick_replies', 'buttons', 'type', 'elements', 'image', 'url'].some((k) => k in o);
}

function parseOne(item: unknown): BotReply[] {
  if (typeof item === 'string') return [text(item)];
  if (!isObj(item)) return item === null || item === undefined ? [] : [placeholder('[message]')];
  // Messenger-style envelope: { message: { text, quick_replies, attachment } }.
  const m = isObj(item.message) && !('text' in item) ? { ...item, ...item.message } : item;
  const quick = quickReplies(m);
  const attachment = isObj(m.attachment) ? m.attachment : undefined;
  const payload = attachment && isObj(attachment.payload) ? attachment.payload : undefined;
  const type = (first(m.type, m.message_type, attachment?.type) ?? '').toLowerCase();
  const buttons = [...buttonList(m.buttons), ...buttonList(payload?.buttons)];

  // Templates (cards, button stacks) inside attachment.payload or directly.
  const template = (first(payload?.template_type, m.template_type) ?? '').toLowerCase();
  const elements = Array.isArray(m.elements) ? m.elements : Array.isArray(payload?.elements) ? payload!.elements : undefined;
  if (elements && (elements as unknown[]).length && template !== 'button') {
    const cards = (elements as unknown[]).map((el) => card(el));
    if (cards.length) {
      const last = cards[cards.length - 1]!;
      last.quickReplies = quick;
      return cards;
    }
  }

  const body = first(m.text, isObj(m.message) ? m.message.text : m.message, m.content, payload?.text, m.title, m.speech);
  if ((type === 'typing' || type === 'typing_on' || type === 'delay') && body === undefined) return [];
  const media = mediaLabel(type, m, attachment);
  if (media) return [placeholder(media, body && body !== media ? body : undefined, buttons, quick)];
  if (body !== undefined) return [{ kind: 'text', text: body, buttons, quickReplies: quick }];
  if (buttons.length || quick.length) return [{ kind: 'text', text: '', buttons, quickReplies: quick }];
  // A text message whose text is empty, null or missing: say so plainly.
  if (type === 'text') return [placeholder('[empty message]')];
  return [placeholder(type ? `[${type}]` : '[message]')];
}

const MEDIA: Record<string, string> = {
  image: '[image]',
  photo: '[image]',
  gif: '[image]',
  video: '[video]',
  audio: '[audio]',
  voice: '[audio]',
  file: '[file]',
  document: '[file]',
  sticker: '[sticker]',
  location: '[location]',
  card: '[card]',
  carousel: '[card]',
  gallery: '[card]',
};

function mediaLabel(type: string, m: Obj, attachment?: Obj): string | undefined {
  if (MEDIA[type]) return MEDIA[type];
  if (m.sticker_id !== undefined || m.sticker !== undefined) return '[sticker]';
  if (isObj(m.location) || (m.latitude !== undefined && m.longitude !== undefined)) return '[location]';
  for (const k of ['image', 'image_url', 'video', 'video_url', 'audio', 'audio_url']) {
    if (m[k] !== undefined && typeof m[k] !== 'boolean') return MEDIA[k.replace(/_url$/, '')];
  }
  if (attachment) {
    const t = str(attachment.type)?.toLowerCase() ?? '';
    if (t === 'template') return undefined;
    return MEDIA[t] ?? `[${(t || 'attachment').slice(0, MAX_LABEL - 2)}]`;
  }
  if (type && type !== 'text' && type !== 'message' && type !== 'quick_reply' && type !== 'template' && type !== 'button') {
    if (m.text === undefined && m.content === undefined) return `[${type.slice(0, MAX_LABEL - 2)}]`;
  }
  return undefined;
}

function card(el: unknown): BotReply & { quickReplies: QuickReply[] } {
  if (!isObj(el)) return placeholder('[card]');
  const title = first(el.title, el.text, el.name);
  const sub = first(el.subtitle, el.description);
  return placeholder(title ? `[card] ${title}` : '[card]', sub, buttonList(el.buttons));
}

function quickReplies(m: Obj): QuickReply[] {
  const raw = m.quick_replies ?? m.quickReplies ?? m.quick_reply ?? m.suggestions ?? m.options;
  if (!Array.isArray(raw)) return [];
  const out: QuickReply[] = [];
  for (const q of raw) {
    if (typeof q === 'string') {
      out.push({ type: 'text', title: q, payload: q });
      continue;
    }
    if (!isObj(q)) continue;
    const kind = (first(q.content_type, q.type, q.kind) ?? 'text').toLowerCase();
    const type = quickType(kind);
    let title = first(q.title, q.text, q.label, q.name);
    if (title === undefined) {
      title = { return: '❮', location: 'Location', email: 'Email', phone: 'Phone number', text: '' }[type];
    }
    if (title === '❮' && type === 'text') {
      out.push({ type: 'return', title, payload: first(q.payload, q.value) ?? title });
      continue;
    }
    if (title === '' && type === 'text') continue;
    out.push({ type, title: title!, payload: first(q.payload, q.value, q.postback) ?? title });
  }
  return out;
}

function quickType(kind: string): QuickReply['type'] {
  if (kind.includes('return') || kind === 'back') return 'return';
  if (kind.includes('location')) return 'location';
  if (kind.includes('email')) return 'email';
  if (kind.includes('phone')) return 'phone';
  return 'text';
}

function buttonList(raw: unknown): ReplyButton[] {
  if (!Array.isArray(raw)) return [];
  const out: ReplyButton[] = [];
  for (const b of raw) {
    if (typeof b === 'string') {
      out.push({ type: 'text', title: b, value: b });
      continue;
    }
    if (!isObj(b)) continue;
    const kind = (first(b.type, b.button_type, b.kind) ?? '').toLowerCase();
    const title = first(b.title, b.text, b.label, b.name) ?? '?';
    if (kind === 'web_url' || kind === 'url' || kind === 'link' || (!kind && b.url !== undefined)) {
      out.push({ type: 'url', title, value: first(b.url, b.value, b.payload) });
    } else if (kind === 'phone_number' || kind === 'phone' || kind === 'call') {
      out.push({ type: 'phone', title, value: first(b.payload, b.phone_number, b.phone, b.number, b.value) });
    } else if (kind === 'text') {
      out.push({ type: 'text', title, value: first(b.payload, b.value, b.text) ?? title });
    } else {
      // postback, story and unknown kinds: send the payload back when chosen.
      const value = first(b.payload, b.story, b.story_id, b.value);
      out.push(value !== undefined ? { type: 'story', title, value } : { type: 'text', title, value: title });
    }
  }
  return out;
}

function text(t: string): BotReply {
  return { kind: 'text', text: t, buttons: [], quickReplies: [] };
}

function placeholder(
  label: string,
  text?: string,
  buttons: ReplyButton[] = [],
  quickReplies: QuickReply[] = [],
): BotReply & { quickReplies: QuickReply[] } {
  const r: BotReply & { quickReplies: QuickReply[] } = { kind: 'placeholder', label, buttons, quickReplies };
  if (text !== undefined && text !== '') r.text = text;
  return r;
}
