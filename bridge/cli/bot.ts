/**
 * The bot a command talks to: the configured BotDistrikt channel, or, for
 * `simulate` without one, the local demo bot (the stand-in server).
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { BotDistriktClient } from '../botdistrikt/client.js';
import { assertDomain } from '../botdistrikt/domain.js';
import { startStandIn, type StandIn } from '../botdistrikt/standin.js';
import { Users } from '../botdistrikt/users.js';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import { ConfigError } from '../../common/errors.js';
import type { Logger } from '../log.js';

export interface Bot {
  client: BotDistriktClient;
  users: Users;
  /** "BotDistrikt" or "demo bot". */
  label: string;
  newConversation: boolean;
  /** The stand-in, for the demo bot. */
  standIn?: StandIn;
  close(): Promise<void>;
}

export const NO_CHANNEL =
  'No BotDistrikt channel is configured: set BOTDISTRIKT_APP_ID and BOTDISTRIKT_DOMAIN (or a "botdistrikt" section in botduino.json). ' +
  'To try botduino without one, run `botduino simulate`, which talks to the local demo bot.';

export function realBot(config: Config, logger: Logger): Bot {
  const bd = config.botdistrikt;
  if (!bd) throw new ConfigError(NO_CHANNEL);
  assertDomain(bd.domain, { allowGuessable: bd.allowGuessableDomain });
  const users = new Users({ stateDir: config.stateDir, idleMinutes: bd.kiosk.idleMinutes });
  const client = new BotDistriktClient({
    appId: bd.appId,
    domain: bd.domain,
    baseUrl: bd.baseUrl,
    sendTimeoutMs: bd.timeouts.sendMs,
    registerTimeoutMs: bd.timeouts.registerMs,
    messageShape: bd.messageShape,
    logger: logger.child('botdistrikt'),
  });
  return { client, users, label: 'BotDistrikt', newConversation: bd.kiosk.newConversation, close: async () => {} };
}

/**
 * Starts the local demo bot; its pushes ("Talk to a human") go to `webhookUrl`.
 * `clock`: what the live agent's delay and the client's timeouts run on (a
 * simulated board's, so that a scenario plays the same on a loaded machine).
 */
export async function demoBot(config: Config, logger: Logger, webhookUrl?: string, pushDelayMs = 3000, clock?: Clock): Promise<Bot> {
  const appId = '1';
  const domain = `https://${randomBytes(6).toString('hex')}.demo.botduino.invalid`;
  const standIn = await startStandIn({ appId, domain, webhookUrl, pushDelayMs, registerOnSight: true, clock });
  const users = new Users({ stateDir: join(config.stateDir, 'demo') });
  const client = new BotDistriktClient({
    appId,
    domain,
    baseUrl: standIn.baseUrl,
    serviceName: 'the demo bot',
    logger: logger.child('demo-bot'),
    clock,
  });
  return { client, users, label: 'demo bot', newConversation: true, standIn, close: () => standIn.close() };
}
