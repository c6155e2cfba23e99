/**
 * `botduino probe` and `botduino doctor --online` share one BotDistrikt user:
 * its webchat_id is kept in <stateDir>/probe-user.json (mode 0600), so
 * repeated probes and checks count as one user on the plan.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../../common/errors.js';
import type { Config } from '../config.js';
import { assertDomain } from '../botdistrikt/domain.js';
import { probe, type ProbeReport, type ProbeSettings } from '../botdistrikt/probe.js';
import { NO_CHANNEL } from './bot.js';
import { StateFile } from '../botdistrikt/state.js';
import { startWebhook, type Webhook } from '../botdistrikt/webhook.js';

export function probeUserFile(stateDir: string): string {
  return join(stateDir, 'probe-user.json');
}

function loadProbeUser(stateDir: string): string | undefined {
  try {
    const id = (JSON.parse(readFileSync(probeUserFile(stateDir), 'utf8')) as { webchatId?: unknown }).webchatId;
    return typeof id === 'string' && id.length >= 16 ? id : undefined;
  } catch {
    return undefined; // none yet, or unreadable: a new one is made and kept
  }
}

function saveProbeUser(stateDir: string, webchatId: string): void {
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  writeFileSync(probeUserFile(stateDir), JSON.stringify({ webchatId }) + '\n', { mode: 0o600 });
}

/**
 * Runs the probe with the configured channel, reusing (and keeping) the
 * probe's user. With `webhookSeconds`, the webhook receiver the bridge
 * would use (config `webhook`) listens that long for one push to that user.
 */
export async function probeWithConfig(
  config: Config,
  extra: Partial<ProbeSettings> & { webhookSeconds?: number } = {},
): Promise<ProbeReport> {
  const bd = config.botdistrikt;
  if (!bd) throw new ConfigError(NO_CHANNEL);
  assertDomain(bd.domain, { allowGuessable: bd.allowGuessableDomain });
  const { webhookSeconds, ...settings } = extra;
  let hook: Webhook | undefined;
  if (webhookSeconds) {
    const w = config.webhook;
    hook = await startWebhook({
      host: w.host,
      port: w.port,
      secret: w.secret,
      maxBody: w.maxBody,
      showBotMessages: true,
      state: new StateFile(config.stateDir),
    });
    const h = hook;
    settings.waitForPush = (webchatId) =>
      new Promise((resolve) => {
        const t = setTimeout(() => resolve(undefined), webhookSeconds * 1000);
        h.on('push', (p) => {
          if (p.webchatId !== webchatId) return;
          clearTimeout(t);
          resolve({ raw: p.raw, replies: p.replies });
        });
      });
  }
  try {
    return await run(config, settings);
  } finally {
    await hook?.close();
  }
}

async function run(config: Config, extra: Partial<ProbeSettings>): Promise<ProbeReport> {
  const bd = config.botdistrikt!;
  const report = await probe({
    appId: bd.appId,
    domain: bd.domain,
    baseUrl: bd.baseUrl,
    timeoutMs: bd.timeouts.sendMs,
    messageShape: bd.messageShape,
    webchatId: loadProbeUser(config.stateDir),
    ...extra,
  });
  if (report.registered) saveProbeUser(config.stateDir, report.webchatId);
  return report;
}
