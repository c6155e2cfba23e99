/** Runs every doctor check against this machine and the configuration. */
import { loadConfig, type Config } from '../config.js';
import { BotduinoError } from '../../common/errors.js';
import { checkDomain } from '../botdistrikt/domain.js';
import { listPorts } from '../link/ports.js';
import {
  checkDns,
  checkNode,
  checkPio,
  checkPortAccess,
  checkSerialGroup,
  checkTls,
  checkWebhook,
  summarize,
  userGroups,
  type Check,
} from './doctor.js';
import { findPio } from './flash.js';

export async function runDoctor(o: {
  configFile?: string;
  env: NodeJS.ProcessEnv;
  online?: boolean;
}): Promise<{ ok: boolean; checks: Check[]; text: string }> {
  const checks: Check[] = [checkNode(), checkSerialGroup(userGroups()), checkPio(findPio(o.env))];

  const ports = await listPorts().catch(() => []);
  const boards = ports.filter((p) => p.likelyArduino);
  checks.push(
    boards.length
      ? { name: 'ports', status: 'ok', detail: boards.map((p) => `${p.byId ?? p.path} (${p.vendorId}:${p.productId})`).join(', ') }
      : {
          name: 'ports',
          status: 'warn',
          detail: ports.length ? `no Arduino-like board among ${ports.map((p) => p.path).join(', ')}` : 'no serial ports',
          fix: 'Plug the board in (a data cable, not a charge-only one); `botduino simulate` works without one.',
        },
  );
  for (const p of boards) checks.push(checkPortAccess(p.path));

  let config: Config | undefined;
  try {
    config = loadConfig({ file: o.configFile, env: o.env });
    checks.push({
      name: 'config',
      status: 'ok',
      detail: config.configFile ? `valid (${config.configFile})` : 'no config file; environment and defaults are valid',
    });
  } catch (e) {
    checks.push({ name: 'config', status: 'fail', detail: e instanceof BotduinoError ? e.message : String(e) });
  }
  if (config) {
    if (!config.botdistrikt)
      checks.push({
        name: 'botdistrikt',
        status: 'warn',
        detail: 'no channel configured (simulate uses the demo bot)',
        fix: 'Set BOTDISTRIKT_APP_ID and BOTDISTRIKT_DOMAIN, or a botdistrikt section in botduino.json.',
      });
    else {
      const problems = checkDomain(config.botdistrikt.domain, { allowGuessable: config.botdistrikt.allowGuessableDomain });
      checks.push(
        problems.length
          ? { name: 'domain', status: 'fail', detail: problems.map((p) => p.message).join(' ') }
          : { name: 'domain', status: 'ok', detail: 'https and hard to guess' },
      );
      if (config.webhook.enabled ?? true) {
        const { StateFile } = await import('../botdistrikt/state.js');
        const secret =
          config.webhook.secret ??
          (await new StateFile(config.stateDir)
            .read()
            .then((s) => s.webhook?.secret)
            .catch(() => undefined));
        checks.push(await checkWebhook(config.webhook.host, config.webhook.port, `/botduino/${secret ?? 'x'}`));
      }
      if (o.online && !problems.length) checks.push(...(await checkService(config)));
    }
  }
  const { ok, text } = summarize(checks);
  return { ok, checks, text };
}

/** doctor --online: DNS, TLS, and whether BotDistrikt accepts the app id and domain (with the probe's own user). */
async function checkService(config: Config): Promise<Check[]> {
  const bd = config.botdistrikt!;
  const dns = await checkDns(bd.baseUrl);
  if (dns.status === 'fail') return [dns];
  const tls = await checkTls(bd.baseUrl);
  if (tls.status === 'fail') return [dns, tls];
  const { probeWithConfig } = await import('./probe-run.js');
  const r = await probeWithConfig(config, { registerOnly: true });
  const channel: Check = r.ok
    ? { name: 'channel', status: 'ok', detail: `app id ${bd.appId} and the domain are accepted (registered the probe's user)` }
    : {
        name: 'channel',
        status: 'fail',
        detail: r.error!.message.replace(/\s*Run `botduino probe`.*?\.(?=\s|$)/g, ''),
        fix: 'Run `botduino probe` to see the request and the answer.',
      };
  return [dns, tls, channel];
}
