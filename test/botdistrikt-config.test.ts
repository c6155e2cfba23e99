import { describe, expect, it } from 'vitest';
import { BotDistriktConfigSchema, WebhookConfigSchema } from '../bridge/botdistrikt/config.js';

describe('BotDistrikt and webhook settings', () => {
  it('fill in the documented defaults', () => {
    expect(BotDistriktConfigSchema.parse({ appId: 123, domain: 'https://k3j9x0a1qz.mysite.com' })).toEqual({
      appId: '123',
      domain: 'https://k3j9x0a1qz.mysite.com',
      baseUrl: 'https://flow.botdistrikt.com/api',
      timeouts: { sendMs: 10_000, registerMs: 10_000 },
      messageShape: 'text',
      allowGuessableDomain: false,
      kiosk: { idleMinutes: 0, newConversation: true },
    });
    expect(WebhookConfigSchema.parse({})).toEqual({ host: '127.0.0.1', port: 8787, maxBody: 65536, showBotMessages: false });
  });

  it('take a named message shape and refuse an unknown one, naming the ones there are', () => {
    expect(BotDistriktConfigSchema.parse({ appId: 1, domain: 'https://x', messageShape: 'messenger' }).messageShape).toBe('messenger');
    const r = BotDistriktConfigSchema.safeParse({ appId: 1, domain: 'https://x', messageShape: 'fb' });
    expect(r.success).toBe(false);
    expect(r.error!.issues[0]!.message).toBe(
      'messageShape must be one of "text", "text-only", "messenger", "string"; run `botduino probe` to see which one your bot accepts',
    );
  });

  it('fill defaults inside partly given sections', () => {
    const c = BotDistriktConfigSchema.parse({ appId: '7', domain: 'https://x', timeouts: { sendMs: 3000 }, kiosk: { idleMinutes: 5 } });
    expect(c.timeouts).toEqual({ sendMs: 3000, registerMs: 10_000 });
    expect(c.kiosk).toEqual({ idleMinutes: 5, newConversation: true });
  });

  it('refuse an app id that is not a number and a short webhook secret', () => {
    expect(BotDistriktConfigSchema.safeParse({ appId: 'abc', domain: 'https://x' }).success).toBe(false);
    expect(WebhookConfigSchema.safeParse({ secret: 'short' }).success).toBe(false);
  });
});
