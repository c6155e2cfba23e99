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

/** Runs the probe with the configured channel, reusing (and keeping) the probe's user. */
export async function probeWithConfig(config: Config, extra: Partial<ProbeSettings> = {}): Promise<ProbeReport> {
  const bd = config.botdistrikt;
  if (!bd) throw new ConfigError(NO_CHANNEL);
  assertDomain(bd.domain, { allowGuessable: bd.allowGuessableDomain });
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
