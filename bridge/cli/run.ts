/** `botduino run`: serve real boards with the configured BotDistrikt channel. */
import { Bridge, type BridgeOptions } from '../app.js';
import type { Config } from '../config.js';
import { BotduinoError, EXIT } from '../../common/errors.js';
import { mask, type Logger } from '../log.js';
import { realBot } from './bot.js';
import type { Output } from './output.js';

export interface RunOptions {
  config: Config;
  logger: Logger;
  out: Output;
  /** Resolves when the bridge should stop (default: SIGINT or SIGTERM). */
  until?: Promise<unknown>;
  binding?: import('@serialport/bindings-interface', { with: { 'resolution-mode': 'require' } }).BindingInterface;
  /** Link timing overrides (tests); default the link's own. */
  linkOptions?: BridgeOptions['linkOptions'];
  /** First wait before a board that is not online is tried again; default 1000 ms. */
  retryMinMs?: number;
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
    idleMinutes: config.botdistrikt?.kiosk.idleMinutes,
    ui: config.ui,
    startMessage: config.startMessage,
    webhook: webhookOn ? config.webhook : undefined,
    controlDir: config.stateDir,
    binding: o.binding,
    linkOptions: o.linkOptions,
    retryMinMs: o.retryMinMs,
    logger,
  });
  bridge.on('online', ({ port, caps, deviceId }) =>
    out.note(`${port}: online — ${caps.firmware} ${caps.version} on ${caps.board}, ${caps.cols}×${caps.rows} LCD, device ${deviceId}`),
  );
  // a long-running service: a bug in one device's path is logged, and the other devices go on
  const onRejection = (e: unknown) =>
    logger.error(`unexpected: ${e instanceof Error ? (e.stack ?? e.message) : String(e)} (this is a bug; please report it)`);
  process.on('unhandledRejection', onRejection);
  try {
    const end = out.progress(`connecting to ${config.devices.map((d) => d.port).join(', ')}`);
    const { online, failed } = await bridge.start();
    const waiting = failed.filter((f) => f.retrying);
    const given = failed.filter((f) => !f.retrying);
    end(
      given.length
        ? `${online.length} online, ${waiting.length} waiting, ${given.length} failed`
        : waiting.length
          ? `ok (${online.length} online, ${waiting.length} waiting)`
          : 'done',
    );
    for (const f of waiting)
      out.note(`${f.session.entry.port}: not online yet; botduino keeps trying in the background. ${f.error.message}`);
    for (const f of given) out.note(`${f.session.entry.port}: ${f.error.message}`);
    if (!online.length && !waiting.length) {
      // nothing to serve and nothing a wait can cure: a wrong port, permissions, or firmware to reflash
      await bridge.stop();
      await bot.close();
      const first = given[0]?.error;
      throw first ?? new BotduinoError('No board is configured: add one to "devices" or use --port.', 'config', EXIT.config);
    }
    // the path's secret stays out of logs: `botduino webhook-url` prints the whole URL on request
    if (bridge.webhook)
      out.note(
        mask(
          `webhook receiver: ${bridge.webhook.url} — \`botduino webhook-url\` prints it in full, to put (made reachable from the internet) on BotDistrikt's Website Integration page`,
        ),
      );
    else if (config.webhook.mqtt)
      out.note(
        `pushes: from \`botduino relay\` through the MQTT broker at ${config.webhook.mqtt.url.replace(/\/\/[^@/]*@/, '//')} (no port listens here)`,
      );
    await (o.until ?? untilSignal());
    out.note('stopping');
    await bridge.stop();
    await bot.close();
    return EXIT.ok;
  } finally {
    process.off('unhandledRejection', onRejection);
  }
}
