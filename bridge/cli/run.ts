/** `botduino run`: serve real boards with the configured BotDistrikt channel. */
import { Bridge } from '../app.js';
import type { Config } from '../config.js';
import { BotduinoError, EXIT } from '../errors.js';
import type { Logger } from '../log.js';
import { realBot } from './bot.js';
import type { Output } from './output.js';

export interface RunOptions {
  config: Config;
  logger: Logger;
  out: Output;
  /** Resolves when the bridge should stop (default: SIGINT or SIGTERM). */
  until?: Promise<unknown>;
  binding?: import('@serialport/bindings-interface', { with: { 'resolution-mode': 'require' } }).BindingInterface;
}

export function untilSignal(): Promise<string> {
  return new Promise((resolve) => {
    const on = (sig: string) => () => resolve(sig);
    process.once('SIGINT', on('SIGINT'));
    process.once('SIGTERM', on('SIGTERM'));
  });
}

export async function runBridge(o: RunOptions): Promise<number> {
  const { config, logger, out } = o;
  const bot = realBot(config, logger);
  const webhookOn = config.webhook.enabled ?? true;
  const bridge = new Bridge({
    devices: config.devices,
    client: bot.client,
    users: bot.users,
    newConversation: bot.newConversation,
    ui: config.ui,
    startMessage: config.startMessage,
    webhook: webhookOn ? config.webhook : undefined,
    controlDir: config.stateDir,
    binding: o.binding,
    logger,
  });
  bridge.on('online', ({ port, caps, deviceId }) =>
    out.note(`${port}: online — ${caps.firmware} ${caps.version} on ${caps.board}, ${caps.cols}×${caps.rows} LCD, device ${deviceId}`),
  );
  const end = out.progress(`connecting to ${config.devices.map((d) => d.port).join(', ')}`);
  const { online, failed } = await bridge.start();
  end(failed.length ? `${online.length} online, ${failed.length} failed` : 'done');
  for (const f of failed) out.note(`${f.session.entry.port}: ${f.error.message}`);
  if (bridge.webhook) out.note(`webhook receiver: ${bridge.webhook.url} (put this URL, made reachable from the internet, on BotDistrikt's Website Integration page)`);
  if (!online.length) {
    await bridge.stop();
    const first = failed[0]?.error;
    if (first instanceof BotduinoError) throw first;
    throw new BotduinoError(`No board came online. ${first?.message ?? ''}`.trim(), 'serial', EXIT.serial);
  }
  await (o.until ?? untilSignal());
  out.note('stopping');
  await bridge.stop();
  await bot.close();
  return EXIT.ok;
}
