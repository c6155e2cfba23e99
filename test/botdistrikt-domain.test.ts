import { describe, expect, it } from 'vitest';
import { assertDomain, checkDomain, suggestDomain } from '../bridge/botdistrikt/domain.js';
import { ConfigError } from '../common/errors.js';

describe('custom-domain checks', () => {
  it.each(['https://a9sn38h.app.link', 'https://03jd874he983h.mywebsite.com', 'https://k3j9x0a1qz.example-shop.co.uk'])(
    'accepts the unguessable %s',
    (url) => {
      expect(checkDomain(url)).toEqual([]);
    },
  );

  it.each([
    ['https://app.mywebsite.com', /"app\."/],
    ['https://www.google.com', /google\.com is a well-known domain/],
    ['https://chat.mysite.org', /"chat\."/],
    ['https://bot.mysite.org', /"bot\."/],
    ['https://test.mysite.org', /"test\."/],
    ['https://mybot.mysite.org', /"mybot\."/],
    ['https://mysite.org', /no random part/],
    ['https://github.com', /well-known/],
    ['https://x7k2m9q4.botdistrikt.com', /well-known/],
    ['https://example.com', /well-known/],
    ['https://localhost', /localhost/],
    ['https://192.168.1.20', /IP address/],
    ['https://kitchen.mysite.org', /looks like a word/],
  ])('refuses the guessable %s and says why', (url, why) => {
    const problems = checkDomain(url);
    expect(problems.map((p) => p.code)).toEqual(['guessable']);
    expect(problems[0]!.message).toMatch(why);
    expect(problems[0]!.message).toMatch(/https:\/\/[a-z][a-z0-9]{9}\./);
    expect(problems[0]!.message).toMatch(/allowGuessableDomain/);
  });

  it("suggests a random label on the user's own domain", () => {
    const [problem] = checkDomain('https://app.mysite.com');
    expect(problem!.message).toMatch(/https:\/\/[a-z0-9]{10}\.mysite\.com/);
  });

  it('accepts a guessable domain when told to', () => {
    expect(checkDomain('https://app.mysite.com', { allowGuessable: true })).toEqual([]);
  });

  it('requires https, with an example', () => {
    const problems = checkDomain('http://k3j9x0a1qz.mysite.com', { allowGuessable: true });
    expect(problems.map((p) => p.code)).toEqual(['not-https']);
    expect(problems[0]!.message).toMatch(/must be an https URL .*https:\/\/[a-z0-9]{10}\.mysite\.com/);
  });

  it('refuses something that is not a URL', () => {
    const problems = checkDomain('mysite.com');
    expect(problems[0]!.code).toBe('invalid');
    expect(problems[0]!.message).toMatch(/https:\/\//);
  });

  it('generates different suggestions that pass the check', () => {
    const a = suggestDomain('mysite.com');
    const b = suggestDomain('mysite.com');
    expect(a).not.toBe(b);
    expect(checkDomain(a)).toEqual([]);
    expect(suggestDomain('https://www.google.com')).toMatch(/\.your-site\.com$/);
  });

  it('assertDomain throws a config error listing the problems', () => {
    expect(() => assertDomain('http://www.google.com')).toThrow(ConfigError);
    expect(() => assertDomain('https://k3j9x0a1qz.mysite.com')).not.toThrow();
  });
});

describe('the suggested domain for a bare domain', () => {
  it('is printed whole, so it can be copied, while the configured domain stays masked', async () => {
    const { addSecret, mask } = await import('../bridge/log.js');
    const { checkDomain } = await import('../bridge/botdistrikt/domain.js');
    addSecret('https://acme.com');
    const text = mask(
      checkDomain('https://acme.com')
        .map((p) => p.message)
        .join(' '),
    );
    expect(text).toMatch(/for example https:\/\/[a-z][a-z0-9]{9}\.acme\.com /);
    expect(mask('domain https://acme.com refused')).toBe('domain ac…om refused');
  });
});
