/** `webhook.mqtt`: how a bridge (or the relay) reaches the MQTT broker. */
import { z } from 'zod';

export const MqttConfigSchema = z
  .object({
    /** The broker: mqtt://host:1883, mqtts://host:8883, ws:// or wss://. */
    url: z
      .string()
      .regex(/^(mqtts?|wss?):\/\/[^\s/]+/, 'a broker URL like mqtts://broker.example.org:8883 (mqtt://, mqtts://, ws:// or wss://)'),
    /** This bridge's own user on the broker. */
    username: z.string().min(1).optional(),
    /** Its password; prefer passwordEnv, so the password stays out of the config file. */
    password: z.string().min(1).optional(),
    /** The environment variable holding the password (e.g. BOTDUINO_MQTT_PASSWORD). */
    passwordEnv: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name')
      .optional(),
    /** Names the bot's topics: botduino/<app>/u/…; the same on the relay and every bridge. Default "default". */
    app: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,64}$/, '1 to 64 letters, digits, - or _')
      .default('default'),
    /** The relay key (at least 16 characters) that turns a webchat_id into its topic; the same on the relay and every bridge. */
    topicKey: z.string().min(16, 'at least 16 characters').optional(),
    /** The environment variable holding the relay key (e.g. BOTDUINO_RELAY_KEY). */
    topicKeyEnv: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name')
      .optional(),
    /** The MQTT client id; stable, so the broker keeps this bridge's pushes while it is away. Default botduino-<host name>. */
    clientId: z
      .string()
      .regex(/^[A-Za-z0-9_.-]{1,64}$/, '1 to 64 letters, digits, ., - or _')
      .optional(),
    /** TLS: a CA certificate file (PEM) for a broker with a private CA. */
    ca: z.string().optional(),
    /** TLS: a client certificate file (PEM), for brokers that want one. */
    cert: z.string().optional(),
    /** TLS: the client certificate's key file (PEM). */
    key: z.string().optional(),
    /** TLS: refuse a broker whose certificate does not verify; default true. */
    rejectUnauthorized: z.boolean().default(true),
  })
  .refine((c) => !(c.cert && !c.key) && !(c.key && !c.cert), { message: 'cert and key go together: give both or neither' })
  .refine((c) => c.topicKey || c.topicKeyEnv, { message: 'give topicKey or topicKeyEnv: the relay key shared with the relay' });
export type MqttConfig = z.output<typeof MqttConfigSchema>;
export type MqttConfigInput = z.input<typeof MqttConfigSchema>;
