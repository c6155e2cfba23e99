import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { BotDistriktClient } from '../bridge/botdistrikt/client.js';
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
