/**
 * `botduino probe`: walks the steps of a first contact with the user's bot —
 * register a user, send a text, choose a quick reply the bot offered, and
 * (when asked) wait for one webhook push — and shows, for each step, the
 * request as sent and the raw answer, with the custom domain and the
 * webchat_id masked. It ends with a verdict on each guess botduino makes
 * about the wire (wire.ts, parse.ts): confirmed, differs, or not tried.
 * When the bot refuses the message with a 4xx, the other message shapes
 * (wire.ts MESSAGE_SHAPES) are tried and the one accepted is named with the
 * config line to use.
 *
 *   const report = await probe({ appId: '123', domain: 'https://k3j9x0a1qz.mysite.com' });
 *   process.stdout.write(report.text);            // masked
 *   writeFileSync('probe.json', report.json);     // masked too
 */
import { ApiError } from '../../common/errors.js';
import { mask } from '../log.js';
import { BotDistriktClient, type RawExchange } from './client.js';
import type { BotReply } from '../chat/replies.js';
import { newWebchatId } from './users.js';
import { DEFAULT_MESSAGE_SHAPE, MESSAGE_SHAPE_NAMES, toBotUserMessage, type BotUser, type MessageShape, type Outgoing } from './wire.js';

export interface ProbeSettings {
  appId: string;
  domain: string;
  /** API base URL; default https://flow.botdistrikt.com/api. */
  baseUrl?: string;
  /** The message to send; default "hello". */
  message?: string;
  /** Milliseconds per request; default 10000. */
  timeoutMs?: number;
  /** The configured message shape; default 'text'. */
  messageShape?: MessageShape;
  /** Register (again) this webchat_id instead of a new one, so repeated probes count as one user. */
  webchatId?: string;
  /** Stop after registering (doctor --online: are the app id and domain accepted?). */
  registerOnly?: boolean;
  /**
   * Wait for one webhook push to the probe's user: resolves with the body
   * received, or undefined after its timeout. Omitted: the step is not tried.
   */
  waitForPush?: (webchatId: string) => Promise<{ raw: unknown; replies: BotReply[] } | undefined>;
}

export type Verdict = 'confirmed' | 'differs' | 'not tried';

export interface ProbeStep {
  name: string;
  ok: boolean;
  /** Every request of the step and its answer (masked in `text` and `json`). */
  exchanges: RawExchange[];
  /** What went wrong, or what was understood. */
  note?: string;
}

export interface ProbeGuess {
  guess: string;
  verdict: Verdict;
  detail: string;
}

export interface ProbeReport {
  ok: boolean;
  steps: ProbeStep[];
  guesses: ProbeGuess[];
  /** The shape the service accepted, when one was. */
  acceptedShape?: MessageShape;
  /** The webchat_id used (unmasked: keep it to reuse the same user). */
  webchatId: string;
  /** The bot_user returned by "Register user" (unmasked: for programs, not for printing). */
  registered: unknown;
  /** The raw body of the "Send message" response (unmasked). */
  response: unknown;
  /** What botduino understood of it. */
  replies: BotReply[];
  /** The first failure, when a step failed (its message is masked by the logger rules). */
  error?: Error;
  /** A printable report, secrets masked. */
  text: string;
  /** The same report as JSON, secrets masked (for `--save FILE`). */
  json: string;
}

export async function probe(settings: ProbeSettings): Promise<ProbeReport> {
  let exchanges: RawExchange[] = [];
  const client = new BotDistriktClient({
    appId: settings.appId,
    domain: settings.domain,
    baseUrl: settings.baseUrl,
    sendTimeoutMs: settings.timeoutMs,
    registerTimeoutMs: settings.timeoutMs,
    connectAttempts: 1,
    messageShape: settings.messageShape,
    onExchange: (ex) => exchanges.push(ex),
  });
  const configured = settings.messageShape ?? DEFAULT_MESSAGE_SHAPE;
  const message = settings.message ?? 'hello';
  const webchatId = settings.webchatId ?? `${newWebchatId()}-probe`;
  const steps: ProbeStep[] = [];
  const guesses: ProbeGuess[] = [];
  let error: Error | undefined;
  let registered: unknown;
  let response: unknown;
  let replies: BotReply[] = [];
  let acceptedShape: MessageShape | undefined;

  const step = async <T>(name: string, run: () => Promise<T>, note?: (r: T) => string): Promise<T | undefined> => {
    exchanges = [];
    try {
      const r = await run();
      steps.push({ name, ok: true, exchanges, note: note?.(r) });
      return r;
    } catch (err) {
      const e = err instanceof Error ? err : new Error(String(err));
      // Advice to run the probe makes no sense inside it.
      steps.push({ name, ok: false, exchanges, note: e.message.replace(/\s*Run `botduino probe`.*?\.(?=\s|$)/g, '') });
      error ??= e;
      return undefined;
    }
  };

  // 1. Register.
  const user = await step('Register a user', () => client.registerUser({ webchatId }));
  if (user) {
    registered = user;
    const raw = lastJson(steps.at(-1)!);
    const hasId = hasWebchatId(raw);
    guesses.push({
      guess: 'Register user answers with a bot_user carrying webchat_id',
      verdict: hasId ? 'confirmed' : 'differs',
      detail: hasId ? 'webchat_id came back' : `no webchat_id in the answer (${short(raw)}); botduino keeps the id it asked for`,
    });
  } else {
    guesses.push({ guess: 'Register user answers with a bot_user carrying webchat_id', verdict: 'differs', detail: firstLine(error) });
  }

  if (user && !settings.registerOnly) {
    // 2. Send a text, in the configured shape, then the others on a 4xx.
    const send = (shape: MessageShape, out: Outgoing, u: BotUser) => client.sendMessage(u, out, { reregister: false, shape });
    let sent = await step(`Send "${message}" (messageShape "${configured}")`, () => send(configured, { text: message }, user));
    const refusal = steps.at(-1)!.ok ? undefined : (error as ApiError | undefined);
    if (sent) acceptedShape = configured;
    else if (refusal instanceof ApiError && refusal.status !== undefined && refusal.status >= 400 && refusal.status < 500) {
      for (const other of MESSAGE_SHAPE_NAMES.filter((n) => n !== configured)) {
        sent = await step(`Send "${message}" (messageShape "${other}")`, () => send(other, { text: message }, user));
        if (sent) {
          acceptedShape = other;
          break;
        }
      }
    }
    if (acceptedShape === configured) {
      guesses.push({
        guess: `A sent message is shaped as messageShape "${configured}"`,
        verdict: 'confirmed',
        detail: 'the bot accepted it',
      });
    } else if (acceptedShape) {
      error = undefined;
      guesses.push({
        guess: `A sent message is shaped as messageShape "${configured}"`,
        verdict: 'differs',
        detail: '',
      });
    } else if (refusal instanceof ApiError && refusal.status !== undefined && refusal.status < 300) {
      guesses.push({
        guess: `A sent message is shaped as messageShape "${configured}"`,
        verdict: 'not tried',
        detail: `the answer (${refusal.status}) could not be read, so whether the message was understood is unknown`,
      });
    } else {
      const all = refusal?.status !== undefined && refusal.status < 500 && steps.length > 2;
      guesses.push({
        guess: `A sent message is shaped as messageShape "${configured}"`,
        verdict: refusal?.status !== undefined && refusal.status < 500 ? 'differs' : 'not tried',
        detail: all
          ? `refused in every shape botduino can send (${MESSAGE_SHAPE_NAMES.join(', ')}): send this report with a bug report`
          : `the service did not decide: ${firstLine(refusal)}`,
      });
    }

    if (sent) {
      response = sent.raw;
      replies = sent.replies;
      steps.at(-1)!.note = `botduino reads this as: ${replies.length ? replies.map(describe).join(' | ') : '(no replies)'}`;
      const unread = replies.filter((r) => r.kind === 'placeholder');
      const understood = sent.raw === null || replies.length > 0;
      guesses.push({
        guess: "The bot's answer carries its replies in a shape botduino reads",
        verdict: understood && !unread.length ? 'confirmed' : 'differs',
        detail: !understood
          ? `no reply found in ${short(sent.raw)}`
          : unread.length
            ? `shown as placeholders: ${unread.map((r) => (r as { label: string }).label).join(', ')}`
            : `${replies.length} repl${replies.length === 1 ? 'y' : 'ies'} read`,
      });

      // 3. Choose an option the bot offered.
      const option = replies.flatMap((r) => r.quickReplies)[0];
      if (option) {
        const out = { title: option.title, payload: option.payload ?? option.title };
        const usedShape = acceptedShape!;
        let chosen = await step(`Choose "${option.title}" (messageShape "${usedShape}")`, () => send(usedShape, out, user));
        const refused = chosen ? undefined : (steps.at(-1)!.note ?? '');
        const status = error instanceof ApiError ? error.status : undefined;
        if (!chosen && status !== undefined && status >= 400 && status < 500) {
          // Shapes that send typed text alike differ in how they send a choice: try those.
          const same = JSON.stringify(toBotUserMessage({ text: message }, usedShape));
          for (const other of MESSAGE_SHAPE_NAMES.filter(
            (n) => n !== usedShape && JSON.stringify(toBotUserMessage({ text: message }, n)) === same,
          )) {
            chosen = await step(`Choose "${option.title}" (messageShape "${other}")`, () => send(other, out, user));
            if (chosen) {
              acceptedShape = other;
              error = undefined;
              break;
            }
          }
        }
        guesses.push({
          guess: 'A chosen option is sent with its payload',
          verdict: chosen && acceptedShape === usedShape ? 'confirmed' : 'differs',
          detail: chosen
            ? `the bot answered: ${chosen.replies.map(describe).join(' | ') || '(no replies)'}${acceptedShape !== usedShape ? ` (as messageShape "${acceptedShape}"; "${usedShape}" was refused: ${refused})` : ''}`
            : firstLine(error),
        });
      } else {
        guesses.push({ guess: 'A chosen option is sent with its payload', verdict: 'not tried', detail: 'the bot offered no quick reply' });
      }
    } else {
      const unreadable = refusal instanceof ApiError && refusal.status !== undefined && refusal.status < 300;
      guesses.push({
        guess: "The bot's answer carries its replies in a shape botduino reads",
        verdict: unreadable ? 'differs' : 'not tried',
        detail: unreadable
          ? `the answer is not JSON: ${short(steps.at(-1)!.exchanges.at(-1)?.response?.body ?? '')}`
          : 'no message was accepted',
      });
      guesses.push({ guess: 'A chosen option is sent with its payload', verdict: 'not tried', detail: 'no message was accepted' });
    }

    const shapeGuess = guesses.find((g) => g.guess.startsWith('A sent message'))!;
    if (acceptedShape && acceptedShape !== configured) {
      shapeGuess.verdict = 'differs';
      shapeGuess.detail = `"${acceptedShape}" was accepted. Put "messageShape": "${acceptedShape}" in the "botdistrikt" section of botduino.json (or set BOTDISTRIKT_MESSAGE_SHAPE=${acceptedShape})`;
    }

    // 4. One webhook push.
    if (settings.waitForPush && sent) {
      exchanges = [];
      const push = await settings.waitForPush(webchatId);
      const readable = !!push && push.replies.length > 0 && push.replies.every((r) => r.kind === 'text');
      steps.push({
        name: 'Wait for a webhook push',
        ok: push !== undefined,
        exchanges: [],
        note:
          push === undefined
            ? 'no push arrived in time'
            : `received: ${short(push.raw, 400)}\n   botduino reads this as: ${push.replies.map(describe).join(' | ') || '(no replies)'}`,
      });
      guesses.push({
        guess: 'A webhook push is read as botduino expects',
        verdict: push === undefined ? 'not tried' : readable ? 'confirmed' : 'differs',
        detail:
          push === undefined
            ? 'no push arrived in time'
            : readable
              ? 'a push arrived and was read'
              : `a push arrived but botduino found no text in it: ${short(push.raw)}`,
      });
    } else {
      guesses.push({
        guess: 'A webhook push is read as botduino expects',
        verdict: 'not tried',
        detail: 'run `botduino probe --webhook 60` to wait for one (the Event webhook must reach this machine)',
      });
    }
  }

  const ok = !error;
  const text = mask(render(steps, guesses, acceptedShape, configured));
  const json = mask(JSON.stringify({ ok, steps, guesses, acceptedShape: acceptedShape ?? null }, null, 2));
  return { ok, steps, guesses, acceptedShape, webchatId, registered, response, replies, error, text, json };
}

function render(steps: ProbeStep[], guesses: ProbeGuess[], accepted: MessageShape | undefined, configured: MessageShape): string {
  const out: string[] = [];
  steps.forEach((s, i) => {
    out.push(`${i + 1}. ${s.name}: ${s.ok ? 'ok' : 'failed'}`);
    for (const ex of s.exchanges) {
      out.push(`   → ${ex.request.method} ${ex.request.url}`);
      for (const [k, v] of Object.entries(ex.request.headers)) out.push(`     ${k}: ${v}`);
      out.push(indent(JSON.stringify(ex.request.body)));
      if (ex.response) {
        out.push(`   ← ${ex.response.status}`);
        for (const [k, v] of Object.entries(ex.response.headers)) if (!NOISE.has(k)) out.push(`     ${k}: ${v}`);
        out.push(indent(pretty(ex.response.body)));
      } else out.push(`   ← no answer: ${ex.error}`);
    }
    if (s.note) out.push(`   ${s.note}`);
    out.push('');
  });
  out.push('Guesses:');
  for (const g of guesses) out.push(`  ${g.verdict.padEnd(9)}  ${g.guess}: ${g.detail}`);
  if (accepted && accepted !== configured) out.push('', `Use "messageShape": "${accepted}" in the "botdistrikt" section of botduino.json.`);
  out.push('');
  return out.join('\n');
}

/** Answer headers left out of the printed report (the --save JSON keeps them). */
const NOISE = new Set(['date', 'connection', 'keep-alive', 'transfer-encoding']);

function lastJson(s: ProbeStep): unknown {
  const body = s.exchanges.at(-1)?.response?.body ?? '';
  try {
    return JSON.parse(body);
  } catch {
    return body;
  }
}

function hasWebchatId(raw: unknown): boolean {
  if (!raw || typeof raw !== 'object') return false;
  const o = raw as Record<string, unknown>;
  return [o, o.data, o.user, o.bot_user, o.result].some(
    (c) => !!c && typeof c === 'object' && typeof (c as Record<string, unknown>).webchat_id === 'string',
  );
}

function pretty(body: string): string {
  if (body === '') return '(empty body)';
  try {
    return JSON.stringify(JSON.parse(body), null, 2);
  } catch {
    return body;
  }
}

function indent(s: string): string {
  return s
    .split('\n')
    .map((l) => '     ' + l)
    .join('\n');
}

function short(v: unknown, n = 120): string {
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return s.length > n ? s.slice(0, n) + '…' : s;
}

function firstLine(e: Error | undefined): string {
  return e ? e.message.split('\n')[0]! : 'unknown';
}

function describe(r: BotReply): string {
  const head = r.kind === 'text' ? JSON.stringify(r.text) : `${r.label}${r.text ? ' ' + JSON.stringify(r.text) : ''}`;
  const opts = [...r.quickReplies.map((q) => `quick reply "${q.title}"`), ...r.buttons.map((b) => `${b.type} button "${b.title}"`)];
  return opts.length ? `${head} — ${opts.join(', ')}` : head;
}
