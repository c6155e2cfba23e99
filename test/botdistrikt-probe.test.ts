import { afterEach, describe, expect, it } from 'vitest';
import { probe } from '../bridge/botdistrikt/probe.js';
import { bot, closeBot, seen, type Mode } from './support/probe-bot.js';

const DOMAIN = 'https://r8w3n6c2vb.botduino-test.net';

afterEach(closeBot);

const run = async (mode: Mode, extra: Partial<Parameters<typeof probe>[0]> = {}) =>
  probe({ appId: '9', domain: DOMAIN, baseUrl: await bot(mode), timeoutMs: 2000, ...extra });

function noSecrets(r: Awaited<ReturnType<typeof probe>>) {
  for (const t of [r.text, r.json]) {
    expect(t).not.toContain('r8w3n6c2vb');
    expect(t).not.toContain(r.webchatId);
  }
}

describe('botduino probe against a local bot', () => {
  it.each(['text', 'text-only', 'messenger', 'string'])(
    'finds the message shape "%s" the bot accepts and says what to put in the config',
    async (shape) => {
      const r = await run({ accept: shape });
      expect(r.ok, r.text).toBe(true);
      expect(r.acceptedShape).toBe(shape);
      const verdict = r.guesses.find((g) => g.guess.startsWith('A sent message'))!;
      if (shape === 'text') {
        expect(verdict.verdict).toBe('confirmed');
        expect(r.text).not.toMatch(/Use "messageShape"/);
      } else {
        expect(verdict.verdict).toBe('differs');
        expect(r.text).toContain(`Use "messageShape": "${shape}" in the "botdistrikt" section of botduino.json.`);
      }
      expect(r.guesses.find((g) => g.guess.startsWith('A chosen option'))!.verdict).toBe(shape === 'messenger' ? 'differs' : 'confirmed');
      expect(r.text).toMatch(/Choose "Joke"/);
      noSecrets(r);
    },
  );

  it('shows each request with its headers (User-Agent included) and each raw answer, masked, also for the refused ones', async () => {
    const r = await run({ accept: 'string' });
    expect(r.text).toMatch(/1\. Register a user: ok\n {3}→ POST http:\/\/127\.0\.0\.1:\d+\/api\/webchat_apps\/9\/user\n/);
    expect(r.text).toMatch(/user-agent: botduino\/\d+\.\d+\.\d+/);
    expect(r.text).toMatch(/2\. Send "hello" \(messageShape "text"\): failed[\s\S]*← 422[\s\S]*The message is not valid/);
    expect(r.text).toContain('"domain":"r8…et"');
    // the advice to run the probe is left out inside the probe, and nothing else with it
    expect(r.text).toContain('BotDistrikt did not accept the request.\n');
    expect(r.text).not.toContain('`botduino probe`');
    expect(JSON.parse(r.json).steps[0].exchanges[0].response.status).toBe(200);
    noSecrets(r);
  });

  it('reports a 401 at registration as a failed step with the answer shown, not a throw', async () => {
    const r = await run({ register: 401 });
    expect(r.ok).toBe(false);
    expect(r.steps).toHaveLength(1);
    expect(r.text).toMatch(/1\. Register a user: failed[\s\S]*← 401[\s\S]*Authorization Required/);
    expect(r.error!.message).toMatch(/app id/);
    noSecrets(r);
  });

  it('on a 422 for every shape tries them all and says none was accepted', async () => {
    const r = await run({ message: 422 });
    expect(r.ok).toBe(false);
    expect(r.steps.map((s) => s.name)).toEqual([
      'Register a user',
      'Send "hello" (messageShape "text")',
      'Send "hello" (messageShape "text-only")',
      'Send "hello" (messageShape "messenger")',
      'Send "hello" (messageShape "string")',
    ]);
    expect(r.text).toMatch(/differs +A sent message is shaped as messageShape "text": refused in every shape/);
  });

  it('on a 500 does not try other shapes: the service did not decide', async () => {
    const r = await run({ message: 500 });
    expect(r.ok).toBe(false);
    expect(r.steps).toHaveLength(2);
    expect(r.text).toMatch(/not tried +A sent message is shaped as messageShape "text": the service did not decide/);
    expect(r.text).toMatch(/← 500/);
  });

  it('on an answer that is not JSON shows it raw and fails the step', async () => {
    const r = await run({ garbage: true });
    expect(r.ok).toBe(false);
    expect(r.text).toMatch(/← 200\n {5}content-type: text\/html[\s\S]*<html>oops<\/html>/);
  });

  it('reuses a given webchat_id instead of creating a new user', async () => {
    const r = await run({ accept: 'text' }, { webchatId: 'bd-kept-user-123456', registerOnly: true });
    expect(seen.map((s) => s.body.webchat_id)).toEqual(['bd-kept-user-123456']);
    expect(r.steps).toHaveLength(1);
  });
});
