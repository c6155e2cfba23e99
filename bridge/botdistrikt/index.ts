/** The BotDistrikt side of the bridge: its public face. */
export { BotDistriktClient, type ClientOptions, type SendOptions, type SendResult } from './client.js';
export { Channel, type ChannelOptions, type ChannelEvents, type SendOutcome } from './channel.js';
export {
  BotDistriktConfigSchema,
  WebhookConfigSchema,
  KioskSchema,
  DEFAULT_BASE_URL,
  type BotDistriktConfig,
  type BotDistriktConfigInput,
  type WebhookConfig,
  type WebhookConfigInput,
} from './config.js';
export { checkDomain, assertDomain, suggestDomain, type DomainProblem, type CheckOptions } from './domain.js';
export { parseReplies } from './parse.js';
export { probe, type ProbeSettings, type ProbeReport } from './probe.js';
export type { BotReply, QuickReply, ReplyButton, PushSource } from '../chat/replies.js';
export { startStandIn, type StandIn, type StandInOptions, type Fault, type InjectOptions } from './standin.js';
export { StateFile, defaultStateDir, type State, type DeviceUser } from './state.js';
export { Users, newWebchatId, type UsersOptions } from './users.js';
export { startWebhook, newWebhookSecret, type Webhook, type WebhookOptions, type Push } from './webhook.js';
export type { BotUser, Outgoing } from './wire.js';
