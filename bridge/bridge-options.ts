/**
 * What the bridge is told (the devices, the channel, the UI, the clock) and what
 * it tells: shared by the bridge (app.ts) and its device sessions (session.ts).
 */
import type { BindingInterface } from '@serialport/bindings-interface' with { 'resolution-mode': 'require' };
import type { BotDistriktClient } from './botdistrikt/client.js';
import type { Users } from './botdistrikt/users.js';
import type { BotduinoError } from '../common/errors.js';
import type { DeviceLink } from './link/link.js';
import type { DeviceCaps, LinkState } from './link/types.js';
import type { Logger } from './log.js';
import type { MqttConfig } from './relay/config.js';
import type { Clock } from './clock.js';
import type { UIOptions } from './ui/options.js';

export interface DeviceEntry {
  /** Serial port, by-id name, "auto" or "sim:<preset>". */
  port: string;
  /** The board's line rate; unset: found when the port opens (the default 250000, then 115200). */
  baudRate?: number;
  /** Device description (preset) named in the "reflash" advice. */
  device?: string;
  /** UI options over the shared ones. */
  ui?: Partial<UIOptions>;
  /**
   * The LCD's character ROM when it is not the one the firmware reports in
   * its HELLO (an image built for A00 driving an A02 display, as
   * `botduino simulate --rom A02` does): the screen is rendered for this one.
   */
  rom?: 'A00' | 'A02';
}

export interface BridgeOptions {
  devices: DeviceEntry[];
  /** The bot: a client for the real service or the local stand-in, and where users are kept. */
  client: BotDistriktClient;
  users: Users;
  /** Allow "new conversation" from the device (kiosk.newConversation); default true. */
  newConversation?: boolean;
  /** Shared UI options. */
  ui?: UIOptions;
  /**
   * Sent for the person when a device first comes online and after "new
   * conversation", so the bot's welcome (and its menu) shows without typing;
   * a device with buttons only could not start otherwise. Empty: nothing sent.
   */
  startMessage?: string;
  /**
   * Kiosk: after this many minutes without activity, a conversation that was
   * used is closed and the device shows the welcome again for a fresh user
   * (the users' store must rotate after the same idle time, as
   * `Users({ idleMinutes })` does); 0 = never. Default 0.
   */
  idleMinutes?: number;
  /**
   * A board that does not come online at start (not plugged in yet, no
   * answer) is tried again in the background, waiting this long first and
   * twice as long after each failure up to `retryMaxMs`; default 1000 ms.
   */
  retryMinMs?: number;
  /** Longest wait between two tries of a board that is not online; default 30000 ms. */
  retryMaxMs?: number;
  /**
   * Start the webhook receiver with these settings; default: none. With
   * `mqtt`, no receiver listens here: pushes come from the relay through the
   * broker, over an outbound connection (see relay/subscriber.ts).
   */
  webhook?: { host?: string; port?: number; secret?: string; maxBody?: number; showBotMessages?: boolean; mqtt?: MqttConfig };
  /** Listen for `firmware flash` asking to release a port (the state dir holds the socket); default: no. */
  controlDir?: string;
  /** serialport binding for every link (tests); default per path. */
  binding?: BindingInterface;
  /** Link timing overrides (tests). */
  linkOptions?: Partial<ConstructorParameters<typeof DeviceLink>[0]>;
  clock?: Clock;
  logger?: Logger;
}

export interface BridgeEvents {
  /** A device's link changed state. */
  state: [{ port: string; state: LinkState; detail: string }];
  /** A device came online (again). */
  online: [{ port: string; caps: DeviceCaps; deviceId: string }];
  /** A problem worth telling the person at the terminal. */
  problem: [{ port: string; error: BotduinoError }];
}
