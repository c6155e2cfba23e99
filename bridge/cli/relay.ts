/**
 * `botduino relay`: the webhook receiver for a host with a public https
 * address (or behind a reverse proxy), publishing each push to the MQTT
 * broker in webhook.mqtt (see relay/relay.ts).
 */
import { isIP } from 'node:net';
import type { Config } from '../config.js';
import { ConfigError, EXIT } from '../../common/errors.js';
import { mask, type Logger } from '../log.js';
import type { Output } from './output.js';
import { untilSignal } from './run.js';

/** 127.0.0.0/8, ::1 and localhost: only this host can reach them. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h === '::1') return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  return h.startsWith('::ffff:127.');
}

export async function runRelay(o: {
  config: Config;
  logger: Logger;
  out: Output;
  insecure: boolean;
  wait?: Promise<unknown>;
  env?: NodeJS.ProcessEnv;
}): Promise<number> {
  const { config, logger, out } = o;
  const w = config.webhook;
  if (!w.mqtt) {
    throw new ConfigError(
      'botduino relay needs webhook.mqtt in the configuration: the broker (url), the relay\'s own username and password (or passwordEnv), and topicKey (or topicKeyEnv). The README section "Bridges behind a router, and fleets" has an example.',
    );
  }
  if (!isLoopback(w.host) && !o.insecure) {
    throw new ConfigError(
      `botduino relay speaks plain HTTP, and ${w.host} is not a loopback address: anyone on the way could read the pushes and the secret path. ` +
        'Listen on 127.0.0.1 behind an https reverse proxy (set webhook.host to 127.0.0.1), or pass --insecure if the network in between is yours.',
    );
  }
  const { StateFile } = await import('../botdistrikt/state.js');
  const { newWebhookSecret } = await import('../botdistrikt/webhook.js');
  const secret =
    w.secret ??
    (await new StateFile(config.stateDir).update((st) => {
      if (!st.webhook?.secret) st.webhook = { ...st.webhook, secret: newWebhookSecret() };
      return st.webhook.secret!;
    }));
  const { startRelay } = await import('../relay/relay.js');
  let relay;
  try {
    relay = await startRelay({ host: w.host, port: w.port, secret, maxBody: w.maxBody, mqtt: w.mqtt, logger, env: o.env });
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'EADDRINUSE')
      throw new ConfigError(
        `botduino relay cannot listen on ${w.host}:${w.port}: another program uses that port. Set webhook.port to a free port.`,
        { cause: e },
      );
    throw e;
  }
  out.note(
    mask(
      `relay: receiving on ${relay.url}, publishing to ${w.mqtt.url.replace(/\/\/[^@/]*@/, '//')} (app ${w.mqtt.app}); \`botduino webhook-url --base https://<your public host>\` prints the URL for BotDistrikt`,
    ),
  );
  const why = await (o.wait ?? untilSignal());
  logger.info(`relay: stopping (${String(why)})`);
  await relay.close();
  return EXIT.ok;
}
