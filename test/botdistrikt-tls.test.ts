import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { BotDistriktClient } from '../bridge/botdistrikt/client.js';
import { peerClosed } from '../bridge/botdistrikt/transport.js';
import { ApiError } from '../common/errors.js';

/** A throw-away self-signed certificate for localhost, made for this test only. */
const KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg3l/3fRQXAXztcIwa
zIbdODERcTro+JIFtoRvP3llihOhRANCAATMjcNpRx+13EvvFqs6b+gSXoTrdRcV
45ISZoFQxgAQasbH4oqQFUkBU1Pb0zO42dINc/THwFPnnY7mEe1hH0aP
-----END PRIVATE KEY-----`;
const CERT = `-----BEGIN CERTIFICATE-----
MIIBfzCCASWgAwIBAgIUdDO3jqZYA+TDk6XGyNCJwUEowAMwCgYIKoZIzj0EAwIw
FDESMBAGA1UEAwwJbG9jYWxob3N0MCAXDTI2MTEyNTE4MTA1OVoYDzIxMjYxMTAx
MTgxMDU5WjAUMRIwEAYDVQQDDAlsb2NhbGhvc3QwWTATBgcqhkjOPQIBBggqhkjO
PQMBBwNCAATMjcNpRx+13EvvFqs6b+gSXoTrdRcV45ISZoFQxgAQasbH4oqQFUkB
U1Pb0zO42dINc/THwFPnnY7mEe1hH0aPo1MwUTAdBgNVHQ4EFgQUXThWWg5bnnXV
W5h1CCns8lK10vYwHwYDVR0jBBgwFoAUXThWWg5bnnXVW5h1CCns8lK10vYwDwYD
VR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNIADBFAiEAyi4JBEjcTxzlUQSDBmEC
BSVtJmq/hjUVH/3YW6D48CgCIHCS4QRZuoXT+3jsGN9f3+KH95EMccVaslQhMkfp
DX2l
-----END CERTIFICATE-----`;

let server: https.Server | undefined;
let hits = 0;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((r) => (server ? server.close(r) : r(undefined)));
  server = undefined;
});

describe('the BotDistrikt client over TLS', () => {
  it('says "not sent" when the certificate is refused: nothing left the machine', async () => {
    hits = 0;
    server = https.createServer({ key: KEY, cert: CERT }, (_req, res) => {
      hits++;
      res.end('[]');
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    const c = new BotDistriktClient({ appId: '1', domain: 'https://k3j9x0a1qz.mysite.com', baseUrl: `https://localhost:${port}/api` });
    const err = await c.sendMessage({ webchat_id: 'bd-tls-test-user' }, { text: 'hi' }).catch((e) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err.notSent).toBe(true);
    expect(err.message).toMatch(/certificate/);
    expect(hits).toBe(0);
  });
});

describe('asking an idle TLS connection whether the server closed it', () => {
  it('says open while the server keeps it, and closed once the server has closed it, before the event loop has seen it', async () => {
    let serverSide: Socket | undefined;
    server = https.createServer({ key: KEY, cert: CERT }, (_req, res) => res.end('[]'));
    server.on('secureConnection', (s) => (serverSide = s));
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    // a kept-alive socket as the bridge reuses one: after a request and its answer
    const agent = new https.Agent({ keepAlive: true, rejectUnauthorized: false });
    await new Promise((resolve, reject) =>
      https.get({ host: '127.0.0.1', port, path: '/', agent }, (res) => res.resume().on('end', resolve)).on('error', reject),
    );
    let client: Socket | undefined;
    for (let i = 0; i < 100 && !client; i++) {
      await new Promise((r) => setTimeout(r, 10));
      client = Object.values(agent.freeSockets).flat()[0] as Socket | undefined;
    }
    expect(client).toBeDefined();
    if (!client) return;
    expect(peerClosed(client)).toBe(false);

    let ended = false;
    client.on('end', () => (ended = true));
    serverSide!.destroy(); // closes its descriptor at once
    let closed: boolean | null = false;
    for (let i = 0; i < 10_000 && closed === false; i++) closed = peerClosed(client);
    expect(closed).toBe(true);
    expect(ended).toBe(false);
    agent.destroy();
  });
});
