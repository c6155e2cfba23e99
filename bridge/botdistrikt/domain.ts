/**
 * Checks of the channel's custom domain. BotDistrikt uses it like a
 * password: whoever knows it and the app id can talk as any user, so it
 * must be an https URL that nobody can guess.
 *
 *   checkDomain('https://app.mysite.com')  // → [{ code: 'guessable', message: '…' }]
 *   suggestDomain('mysite.com')            // → 'https://k3j9x0a1qz.mysite.com'
 */
import { randomInt } from 'node:crypto';
import { isIP } from 'node:net';
import { ConfigError } from '../../common/errors.js';
import { addPublic, addSecret } from '../log.js';

export interface DomainProblem {
  /** 'not-https' and 'invalid' always refuse; 'guessable' can be overridden. */
  code: 'invalid' | 'not-https' | 'guessable';
  message: string;
}

export interface CheckOptions {
  /** Accept a domain that looks easy to guess (default false). */
  allowGuessable?: boolean;
}

/** Labels that people pick first: easy to guess. */
const COMMON_LABELS = new Set(
  (
    'www app apps api chat chats bot bots test tests testing demo dev staging prod web site home mail m mobile ' +
    'shop store blog news help support live beta alpha admin portal my mine our the new old main service services ' +
    'hello hi info contact local server cloud online webchat widget kiosk device arduino botduino lcd robot toy ' +
    'company business school office'
  ).split(' '),
);

/** Registrable domains everyone knows; a channel domain under them is guessable. */
const WELL_KNOWN = new Set(
  (
    'google.com facebook.com github.com github.io botdistrikt.com example.com example.org example.net ' +
    'microsoft.com apple.com amazon.com twitter.com x.com youtube.com instagram.com whatsapp.com telegram.org ' +
    'localhost local test invalid arduino.cc'
  ).split(' '),
);

const BASE36 = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** The problems of `url` as a custom domain; an empty list means it is good. */
export function checkDomain(url: string, opts: CheckOptions = {}): DomainProblem[] {
  addSecret(url);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return [
      {
        code: 'invalid',
        message: `The custom domain is not a URL. Write it with https://, for example ${suggestDomain('mysite.com')}.`,
      },
    ];
  }
  const problems: DomainProblem[] = [];
  const host = parsed.hostname.toLowerCase().replace(/\.$/, '');
  addSecret(host);
  if (parsed.protocol !== 'https:') {
    problems.push({
      code: 'not-https',
      message: `The custom domain must be an https URL (it is ${parsed.protocol.replace(':', '')}), for example ${suggestDomain(host)}.`,
    });
  }
  if (opts.allowGuessable) return problems;
  const why = guessableReason(host);
  if (why) {
    problems.push({
      code: 'guessable',
      message:
        `The custom domain is easy to guess: ${why}. It works like a password, so use a random label, ` +
        `for example ${suggestDomain(host)} (set it on the Website Integration page too), ` +
        'or set allowGuessableDomain to keep this one.',
    });
  }
  return problems;
}

/** Throws a ConfigError listing the problems, if any. */
export function assertDomain(url: string, opts: CheckOptions = {}): void {
  const problems = checkDomain(url, opts);
  if (problems.length) throw new ConfigError(problems.map((p) => p.message).join(' '));
}

/** A good custom domain: https://<10 random base36 chars>.<base>; base defaults to "app.link"-style hosts of the user. */
export function suggestDomain(base = 'example-shop.com'): string {
  let host = base
    .replace(/^[a-z]+:\/\//i, '')
    .replace(/[/:].*$/, '')
    .toLowerCase();
  if (!host || isIP(host) || host === 'localhost' || WELL_KNOWN.has(registrable(host))) host = 'your-site.com';
  else host = registrable(host);
  let label: string;
  // Start with a letter so no tool mistakes it for a number; keep only labels the check itself calls random.
  do {
    label = BASE36[randomInt(26)]!;
    while (label.length < 10) label += BASE36[randomInt(BASE36.length)];
  } while (!looksRandom(label));
  const suggestion = `https://${label}.${host}`;
  // It contains the user's (guessable) domain, which logs mask: keep it whole so it can be copied.
  addPublic(suggestion);
  return suggestion;
}

function registrable(host: string): string {
  const parts = host.split('.');
  // Two-label public suffixes like co.uk: keep three labels.
  if (parts.length >= 3 && parts[parts.length - 2]!.length <= 3 && parts[parts.length - 1]!.length === 2) {
    return parts.slice(-3).join('.');
  }
  return parts.slice(-2).join('.');
}

function guessableReason(host: string): string | undefined {
  if (!host) return 'it has no host name';
  if (isIP(host.replace(/^\[|\]$/g, ''))) return 'it is an IP address';
  if (host === 'localhost' || host.endsWith('.localhost')) return 'it is localhost';
  const reg = registrable(host);
  if (WELL_KNOWN.has(reg) || WELL_KNOWN.has(host)) return `${reg} is a well-known domain`;
  const labels = host.split('.').slice(0, -reg.split('.').length);
  if (!labels.length) return 'it has no random part in front of the registrable domain';
  const random = labels.filter(looksRandom);
  if (!random.length) {
    const common = labels.find((l) => COMMON_LABELS.has(l) || /^my/.test(l));
    return common
      ? `"${common}." is one of the first names anyone would try`
      : `"${labels.join('.')}" looks like a word, not a random label`;
  }
  return undefined;
}

/** A label that a stranger would not guess: long enough, mixing letters and digits, not a word. */
function looksRandom(label: string): boolean {
  if (label.length < 7) return false;
  if (COMMON_LABELS.has(label) || /^my/.test(label)) return false;
  const digits = (label.match(/[0-9]/g) ?? []).length;
  const letters = (label.match(/[a-z]/g) ?? []).length;
  if (digits >= 2 && letters >= 2) return true;
  // All letters: random only if long and unpronounceable (few vowels).
  if (letters >= 12 && digits === 0) {
    const vowels = (label.match(/[aeiouy]/g) ?? []).length;
    return vowels / letters < 0.25;
  }
  return false;
}
