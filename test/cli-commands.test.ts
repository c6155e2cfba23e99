/**
 * Every command of the CLI through `main(args, io)`, as a user runs it:
 * exit codes (common/errors.ts EXIT, listed in `botduino --help`), data on
 * stdout, logs and advice on stderr.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStandIn, type StandIn } from '../bridge/botdistrikt/standin.js';
import { main, type CliIO } from '../bridge/cli/main.js';
import { EXIT } from '../common/errors.js';

const DOMAIN = 'https://k3j9x0a1qz.botduino-test.net';
const tmp = mkdtempSync(join(tmpdir(), 'bd-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let n = 0;

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** A fresh state folder and no config file from this machine; `env` on top. */
function baseEnv(env: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const dir = join(tmp, `run-${n++}`);
  return {
    PATH: process.env.PATH,
    HOME: dir,
    XDG_CONFIG_HOME: join(dir, 'config'),
    BOTDUINO_STATE_DIR: join(dir, 'state'),
    BOTDUINO_WEBHOOK_PORT: '0',
    NO_COLOR: '1',
    ...env,
  };
}

async function cli(
  args: string[],
  o: Omit<CliIO, 'stdout' | 'stderr'> & { onStdout?: (all: string) => void; onStderr?: (all: string) => void } = {},
): Promise<Result> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, {
    env: o.env ?? baseEnv(),
    until: o.until,
    signal: o.signal,
    stdin: o.stdin,
    stdout: { write: (s: string) => ((stdout += s), o.onStdout?.(stdout)) },
    stderr: { write: (s: string) => ((stderr += s), o.onStderr?.(stderr)) },
  });
  return { code, stdout, stderr };
}

describe('help and usage', () => {
  const commands = [
    ['run'],
    ['simulate'],
    ['ports'],
    ['monitor'],
    ['firmware'],
    ['firmware', 'generate'],
    ['firmware', 'build'],
    ['firmware', 'flash'],
    ['probe'],
    ['doctor'],
    ['service'],
    ['config'],
  ];

  it('lists every command, the exit codes, and examples', async () => {
    const r = await cli(['--help']);
    expect(r.code).toBe(EXIT.ok);
    for (const c of ['run', 'simulate', 'ports', 'monitor', 'firmware', 'probe', 'doctor', 'service', 'config'])
      expect(r.stdout).toContain(`botduino ${c}`);
    expect(r.stdout).toMatch(/Exit codes: 0 ok [^]* 3 configuration [^]* 4 serial port [^]* 7 tool missing/);
  });

  it.each(commands.map((c) => [c.join(' '), c]))('`%s --help` shows examples', async (_name, c) => {
    const r = await cli([...(c as string[]), '--help']);
    expect(r.code).toBe(EXIT.ok);
    expect(r.stdout).toContain('Examples:');
    expect(r.stdout).toMatch(/botduino \S+/);
  });

  it('-h is --help, for the program and for each command', async () => {
    const top = await cli(['-h']);
    expect(top.code).toBe(EXIT.ok);
    expect(top.stdout).toContain('botduino doctor');
    const sub = await cli(['firmware', 'build', '-h']);
    expect(sub.code).toBe(EXIT.ok);
    expect(sub.stdout).toContain('Examples:');
  });

  it('suggests the command meant for a misspelt one', async () => {
    for (const [typo, meant] of [
      ['dotcor', 'doctor'],
      ['servcie', 'service'],
      ['prots', 'ports'],
    ]) {
      const r = await cli([typo]);
      expect(r.code).toBe(EXIT.usage);
      expect(r.stderr).toContain(`Not a botduino command — did you mean \`${meant}\`?`);
    }
    const sub = await cli(['firmware', 'biuld']);
    expect(sub.stderr).toContain('did you mean `build`?');
  });

  it('--json is accepted by every command that prints data, and prints JSON', async () => {
    const env = baseEnv({ BOTDUINO_WEBHOOK_SECRET: 'S3cr3tS3cr3tS3cr3tXYZ' });
    for (const args of [
      ['config', 'show'],
      ['config', 'schema'],
      ['webhook-url'],
      ['service', 'print', '--user', 'nobody'],
      ['ports'],
      ['doctor'],
    ]) {
      const r = await cli([...args, '--json'], { env });
      expect([EXIT.ok, EXIT.failure], `${args.join(' ')}: ${r.stderr}`).toContain(r.code); // doctor fails on a machine without a board
      expect(() => JSON.parse(r.stdout), `${args.join(' ')} --json: ${r.stdout}`).not.toThrow();
    }
    const url = await cli(['webhook-url', '--json'], { env });
    expect(JSON.parse(url.stdout)).toEqual({ url: 'http://127.0.0.1:0/botduino/S3cr3tS3cr3tS3cr3tXYZ' });
  });

  it('exits 2 on an unknown command or option, pointing at --help', async () => {
    for (const args of [['nope'], ['run', '--no-such-option'], [], ['firmware']]) {
      const r = await cli(args);
      expect(r.code, args.join(' ')).toBe(EXIT.usage);
      expect(r.stderr).toContain('--help');
      expect(r.stdout).toBe('');
    }
  });

  it('prints its version', async () => {
    const r = await cli(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });
});

describe('simulate', () => {
  it('plays a scenario and prints JSON-line LCD snapshots with the demo welcome', async () => {
    const script = join(tmp, 'scenario.jsonl');
    writeFileSync(script, '# wait for the welcome, then press DOWN\n{"at": 2500, "tap": "DOWN"}\n');
    const r = await cli(['simulate', '--json', '--script', script, '--duration', '4000']);
    expect(r.code, r.stderr).toBe(EXIT.ok);
    const snaps = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { t: number; rows: string[] });
    expect(snaps.length).toBeGreaterThan(2);
    for (const s of snaps) {
      expect(typeof s.t).toBe('number');
      expect(s.rows).toHaveLength(2);
      for (const row of s.rows) expect([...row]).toHaveLength(16);
    }
    expect(snaps.map((s) => s.rows.join(' ')).join('\n')).toContain('Hello! I am the');
    expect(snaps.map((s) => s.t)).toEqual([...snaps.map((s) => s.t)].sort((a, b) => a - b));
  });

  it('names the line of a bad scenario step and exits 3', async () => {
    const script = join(tmp, 'bad.jsonl');
    writeFileSync(script, '{"at": 100, "tap": "SELECT"}\n{"at": 200, "push": "UP"}\n');
    const r = await cli(['simulate', '--json', '--script', script]);
    expect(r.code).toBe(EXIT.config);
    expect(r.stderr).toMatch(/line 2/);
    expect(r.stdout).toBe('');
  });

  it('exits 3 on an unknown preset, listing the presets', async () => {
    const r = await cli(['simulate', '--json', '--preset', 'no-such-board', '--script', '/dev/null']);
    expect(r.code).toBe(EXIT.config);
    expect(r.stderr).toMatch(/no-such-board.*lcd-keypad-shield/);
  });
});

describe('run', () => {
  let standIn: StandIn;
  beforeAll(async () => {
    standIn = await startStandIn({ appId: '42', domain: DOMAIN });
  });
  afterAll(() => standIn.close());
  const channel = () => ({ BOTDISTRIKT_APP_ID: '42', BOTDISTRIKT_DOMAIN: DOMAIN, BOTDISTRIKT_BASE_URL: standIn.baseUrl });

  it('exits 3 without a BotDistrikt channel, saying what to set', async () => {
    const r = await cli(['run', '--port', 'sim:lcd-keypad-shield']);
    expect(r.code).toBe(EXIT.config);
    expect(r.stderr).toMatch(/BOTDISTRIKT_APP_ID and BOTDISTRIKT_DOMAIN/);
    expect(r.stderr).toMatch(/botduino simulate/);
  });

  it('comes online on a simulated board with the channel from the environment, and stops when asked', async () => {
    let stop!: () => void;
    const until = new Promise<void>((r) => (stop = r));
    const before = standIn.processedMessages().length;
    const run = cli(['run', '--port', 'sim:lcd-keypad-shield'], {
      env: baseEnv(channel()),
      until,
      onStderr: (all) => {
        if (/online — botduino/.test(all)) setTimeout(stop, 1500);
      },
    });
    const r = await run;
    expect(r.code, r.stderr).toBe(EXIT.ok);
    expect(r.stderr).toMatch(/sim:lcd-keypad-shield: online — botduino \S+ on uno, 16×2 LCD/);
    expect(r.stderr).toMatch(/webhook receiver: http:\/\/127\.0\.0\.1:\d+\/botduino\//);
    expect(r.stderr).toContain('stopping');
    expect(r.stderr).not.toContain('k3j9x0a1qz');
    expect(standIn.processedMessages().slice(before)).toEqual(['hi']);
  });

  it('exits 3 on a guessable domain, saying why, and accepts it when allowed', async () => {
    const guessable = { ...channel(), BOTDISTRIKT_DOMAIN: 'https://app.mywebsite.com' };
    const r = await cli(['run', '--port', 'sim:lcd-keypad-shield'], { env: baseEnv(guessable) });
    expect(r.code).toBe(EXIT.config);
    expect(r.stderr).toMatch(/easy to guess/);
    expect(r.stderr).toMatch(/allowGuessableDomain/);

    const ok = await cli(['run', '--port', 'sim:no-such-board'], {
      env: baseEnv({ ...guessable, BOTDISTRIKT_ALLOW_GUESSABLE_DOMAIN: '1' }),
    });
    // past the domain check: now it is the port that is wrong
    expect(ok.stderr).not.toMatch(/easy to guess/);
    expect(ok.code).toBe(EXIT.serial);
  });

  it('exits 4 with advice on a port that can never work', async () => {
    const r = await cli(['run', '--port', 'sim:no-such-board'], { env: baseEnv(channel()) });
    expect(r.code).toBe(EXIT.serial);
    expect(r.stderr).toMatch(/sim:no-such-board.*preset/);
    expect(r.stderr).toMatch(/Name a preset \(sim:lcd-keypad-shield\) or a real port/);
  });

  it('keeps waiting for a board that is not plugged in yet instead of giving up', async () => {
    let stop!: () => void;
    const until = new Promise<void>((r) => (stop = r));
    const r = await cli(['run', '--port', '/dev/ttyBOTDUINO-NOT-THERE'], {
      env: baseEnv(channel()),
      until,
      onStderr: (all) => {
        if (/keeps trying/.test(all)) setTimeout(stop, 100);
      },
    });
    expect(r.code).toBe(EXIT.ok);
    expect(r.stderr).toMatch(/\/dev\/ttyBOTDUINO-NOT-THERE: not online yet; botduino keeps trying in the background/);
    expect(r.stderr).toMatch(/Is the board plugged in\?/);
  });

  it('exits 3 when the webhook port is taken, saying how to pick another', async () => {
    const { createServer } = await import('node:net');
    const taken = createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', () => r()));
    const port = (taken.address() as { port: number }).port;
    try {
      const r = await cli(['run', '--port', 'sim:lcd-keypad-shield'], {
        env: baseEnv({ ...channel(), BOTDUINO_WEBHOOK_PORT: String(port) }),
      });
      expect(r.code).toBe(EXIT.config);
      expect(r.stderr).toMatch(new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port}: another program .* BOTDUINO_WEBHOOK_PORT`));
    } finally {
      taken.close();
    }
  });

  it('exits 1 when another bridge already runs with the same state directory', async () => {
    const env = baseEnv(channel());
    let stop!: () => void;
    const until = new Promise<void>((r) => (stop = r));
    let online!: () => void;
    const first = cli(['run', '--port', 'sim:lcd-keypad-shield'], { env, until, onStderr: (all) => /online — /.test(all) && online() });
    await new Promise<void>((r) => (online = r));
    const second = await cli(['run', '--port', 'sim:i2c-lcd-keypad'], { env });
    stop();
    expect((await first).code).toBe(EXIT.ok);
    expect(second.code).toBe(EXIT.failure);
    expect(second.stderr).toMatch(/Another botduino bridge is running .*stop it first/);
    expect(second.stderr).not.toMatch(/looks like a bug/);
  });

  it('takes flags over the environment over the config file', async () => {
    const file = join(tmp, 'botduino.json');
    writeFileSync(
      file,
      JSON.stringify({ botdistrikt: { appId: 7, domain: DOMAIN }, devices: [{ port: '/dev/ttyFROMFILE' }], startMessage: 'from file' }),
    );
    const env = baseEnv({ BOTDISTRIKT_APP_ID: '42', BOTDUINO_PORTS: 'sim:from-env' });
    const shown = await cli(['--config', file, 'config', 'show'], { env });
    const config = JSON.parse(shown.stdout);
    expect(config.botdistrikt.appId).toBe('42'); // env over file
    expect(config.devices).toEqual([{ port: 'sim:from-env' }]); // env over file
    expect(config.startMessage).toBe('from file'); // file over default
    expect(config.log.level).toBe('info'); // default

    // and the flag over both: run with --port serves the simulated board, not the env's or the file's port
    let stop!: () => void;
    const until = new Promise<void>((r) => (stop = r));
    const r = await cli(['--config', file, 'run', '--port', 'sim:lcd-keypad-shield'], {
      env: { ...env, BOTDISTRIKT_BASE_URL: standIn.baseUrl },
      until,
      onStderr: (all) => {
        if (/online — /.test(all)) stop();
      },
    });
    expect(r.code, r.stderr).toBe(EXIT.ok);
    expect(r.stderr).toContain('connecting to sim:lcd-keypad-shield\n');
    expect(r.stderr).not.toMatch(/FROMFILE|from-env/);
  });
});

describe('probe', () => {
  let standIn: StandIn;
  beforeAll(async () => {
    standIn = await startStandIn({ appId: '42', domain: DOMAIN });
  });
  afterAll(() => standIn.close());

  it('registers a user, sends one message and prints the raw answer with the domain and webchat_id masked', async () => {
    const r = await cli(['probe', '--message', 'hi'], {
      env: baseEnv({ BOTDISTRIKT_APP_ID: '42', BOTDISTRIKT_DOMAIN: DOMAIN, BOTDISTRIKT_BASE_URL: standIn.baseUrl }),
    });
    expect(r.code, r.stderr).toBe(EXIT.ok);
    expect(standIn.processedMessages()).toEqual(['hi', 'Weather']);
    const id = [...standIn.users.keys()][0];
    expect(r.stdout).toContain('webchat_id');
    expect(r.stdout).toContain('Hello! I am the botduino demo bot');
    expect(r.stdout).toContain('quick_replies');
    expect(r.stdout + r.stderr).not.toContain('k3j9x0a1qz');
    expect(r.stdout + r.stderr).not.toContain(id);
  });

  it('--save writes the report as JSON, masked, and a second probe reuses the probe user instead of creating one', async () => {
    const env = baseEnv({ BOTDISTRIKT_APP_ID: '42', BOTDISTRIKT_DOMAIN: DOMAIN, BOTDISTRIKT_BASE_URL: standIn.baseUrl });
    const file = join(tmp, 'probe-save.json');
    const before = standIn.users.size;
    const r1 = await cli(['probe', '--save', file], { env });
    expect(r1.code, r1.stderr).toBe(EXIT.ok);
    const saved = readFileSync(file, 'utf8');
    expect(JSON.parse(saved).guesses.map((g: { verdict: string }) => g.verdict)).toEqual([
      'confirmed',
      'confirmed',
      'confirmed',
      'confirmed',
      'not tried',
    ]);
    expect(saved).not.toContain('k3j9x0a1qz');
    for (const id of standIn.users.keys()) expect(saved).not.toContain(id);
    const r2 = await cli(['probe'], { env });
    expect(r2.code, r2.stderr).toBe(EXIT.ok);
    expect(standIn.users.size).toBe(before + 1);
  });

  it('`doctor --online` checks DNS, TLS and that the channel is accepted, reusing the probe user on every run', async () => {
    const env = baseEnv({ BOTDISTRIKT_APP_ID: '42', BOTDISTRIKT_DOMAIN: DOMAIN, BOTDISTRIKT_BASE_URL: standIn.baseUrl });
    const before = standIn.users.size;
    for (let i = 0; i < 2; i++) {
      const r = await cli(['doctor', '--online', '--json'], { env });
      const checks = JSON.parse(r.stdout).checks as { name: string; status: string; detail: string }[];
      expect(checks.find((c) => c.name === 'dns')).toMatchObject({ status: 'ok', detail: '127.0.0.1 → 127.0.0.1' });
      expect(checks.find((c) => c.name === 'tls')).toMatchObject({ status: 'warn' });
      expect(checks.find((c) => c.name === 'channel')).toMatchObject({ status: 'ok' });
    }
    expect(standIn.users.size).toBe(before + 1);
    const refused = await cli(['doctor', '--online', '--json'], { env: { ...env, BOTDISTRIKT_APP_ID: '43' } });
    expect(refused.code).toBe(EXIT.failure);
    const channel = JSON.parse(refused.stdout).checks.find((c: { name: string }) => c.name === 'channel');
    expect(channel.status).toBe('fail');
    expect(channel.detail).toMatch(/app id/);
    expect(refused.stdout).not.toContain('k3j9x0a1qz');
  });

  it('--webhook waits for one push to the probe user through the receiver the bridge would use, and reads it', async () => {
    const port = await new Promise<number>((resolve) => {
      const srv = createServer().listen(0, '127.0.0.1', () => {
        const p = (srv.address() as AddressInfo).port;
        srv.close(() => resolve(p));
      });
    });
    const secret = 'probe-secret-0123456789';
    standIn.setWebhookUrl(`http://127.0.0.1:${port}/botduino/${secret}`);
    try {
      const env = baseEnv({
        BOTDISTRIKT_APP_ID: '42',
        BOTDISTRIKT_DOMAIN: DOMAIN,
        BOTDISTRIKT_BASE_URL: standIn.baseUrl,
        BOTDUINO_WEBHOOK_PORT: String(port),
        BOTDUINO_WEBHOOK_SECRET: secret,
      });
      const r = await cli(['probe', '--message', 'Talk to a human', '--webhook', '10'], { env });
      expect(r.code, r.stderr).toBe(EXIT.ok);
      expect(r.stdout).toMatch(/Wait for a webhook push: ok/);
      expect(r.stdout).toContain('Hi, this is Ana');
      expect(r.stdout).toMatch(/confirmed +A webhook push is read as botduino expects/);
    } finally {
      standIn.setWebhookUrl(undefined);
    }
  }, 30_000);

  it('exits 3 without a channel', async () => {
    const r = await cli(['probe']);
    expect(r.code).toBe(EXIT.config);
    expect(r.stderr).toMatch(/BOTDISTRIKT_APP_ID/);
  });

  it('exits 6 when the channel is refused, saying so', async () => {
    const r = await cli(['probe'], {
      env: baseEnv({ BOTDISTRIKT_APP_ID: '43', BOTDISTRIKT_DOMAIN: DOMAIN, BOTDISTRIKT_BASE_URL: standIn.baseUrl }),
    });
    expect(r.code).toBe(EXIT.api);
    expect(r.stderr).not.toContain('k3j9x0a1qz');
  });
});

describe('ports, monitor, doctor, service, config', () => {
  it('`ports --json` prints a JSON array', async () => {
    const r = await cli(['ports', '--json']);
    expect(r.code).toBe(EXIT.ok);
    expect(Array.isArray(JSON.parse(r.stdout))).toBe(true);
  });

  it('`monitor sim:… --json` prints every frame decoded, from the boot HELLO, until stopped', async () => {
    const ac = new AbortController();
    const r = await cli(['monitor', 'sim:lcd-keypad-shield', '--json', '--ping'], {
      signal: ac.signal,
      onStdout: (all) => {
        if (/"kind":"PONG"/.test(all)) ac.abort();
      },
    });
    expect(r.code).toBe(EXIT.ok);
    const frames = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { dir: string; line: string; msg?: { kind: string } });
    const hello = frames.find((f) => f.msg?.kind === 'HELLO');
    expect(hello).toMatchObject({ dir: 'rx', msg: { kind: 'HELLO', cols: 16, rows: 2 } });
    expect(frames.some((f) => f.dir === 'tx' && f.msg?.kind === 'PING')).toBe(true);
    expect(frames.some((f) => f.dir === 'rx' && f.msg?.kind === 'PONG')).toBe(true);
  });

  it('`monitor` exits 4 with advice on a port that is not there', async () => {
    const r = await cli(['monitor', '/dev/ttyBOTDUINO-NOT-THERE']);
    expect(r.code).toBe(EXIT.serial);
    expect(r.stderr).toMatch(/No serial port at \/dev\/ttyBOTDUINO-NOT-THERE.*botduino ports/);
  });

  it('`doctor --json` reports its checks and exits 1 when the config is broken', async () => {
    const good = await cli(['doctor', '--json']);
    const report = JSON.parse(good.stdout) as { ok: boolean; checks: { name: string; status: string }[] };
    expect(report.checks.find((c) => c.name === 'node')?.status).toBe('ok');
    expect(report.checks.find((c) => c.name === 'config')?.status).toBe('ok');
    expect(good.code).toBe(report.ok ? EXIT.ok : EXIT.failure);

    const file = join(tmp, 'broken.json');
    writeFileSync(file, '{ "webhook": { "maxBody": -1 } }');
    const bad = await cli(['--config', file, 'doctor', '--json']);
    expect(bad.code).toBe(EXIT.failure);
    const checks = (JSON.parse(bad.stdout) as typeof report).checks;
    expect(checks.find((c) => c.name === 'config')).toMatchObject({ status: 'fail', detail: expect.stringMatching(/webhook\.maxBody/) });

    const text = await cli(['--config', file, 'doctor']);
    expect(text.stdout).toMatch(/✗ config: [^]*webhook\.maxBody/);
  });

  it('`service print` prints a systemd unit and a udev rule', async () => {
    const r = await cli(['service', 'print', '--service-config', '/etc/botduino.json', '--user', 'nobody']);
    expect(r.code, r.stderr).toBe(EXIT.ok);
    expect(r.stdout).toMatch(/^# \/etc\/systemd\/system\/botduino\.service\n/);
    expect(r.stdout).toContain('User=nobody');
    expect(r.stdout).toMatch(/\[Service\]\nExecStart=\S+ \S+main\.[jt]s run --config \/etc\/botduino\.json/);
    expect(r.stdout).toContain('SUBSYSTEM!="tty", GOTO="botduino_end"');
  });

  it('`service print --json` gives each file with its path; `--user-unit` labels the user unit with its own path', async () => {
    const env = baseEnv();
    const r = await cli(['service', 'print', '--json', '--user', 'nobody'], { env });
    expect(r.code, r.stderr).toBe(EXIT.ok);
    const files = JSON.parse(r.stdout) as { path: string; content: string }[];
    expect(files.map((f) => f.path)).toEqual([
      '/etc/systemd/system/botduino.service',
      '/etc/udev/rules.d/99-botduino.rules',
      '/etc/modules-load.d/botduino.conf',
    ]);
    expect(files[0].content).toContain('User=nobody');
    const user = await cli(['service', 'print', '--user-unit'], { env });
    expect(user.stdout.split('\n')[0]).toBe(`# ${join(env.HOME!, '.config/systemd/user/botduino.service')}`);
    expect(user.stdout).not.toContain('99-botduino.rules');
  });

  it('`service print` as root outside sudo refuses to make a root service unless asked (--as-root), and `--user` needs a name', async () => {
    if (process.getuid?.() !== 0) return; // the refusal is about root; as another user the service runs as that user
    const refused = await cli(['service', 'print'], { env: baseEnv() });
    expect(refused.code).toBe(EXIT.usage);
    expect(refused.stderr).toMatch(/would run as root[^]*--user NAME[^]*--as-root/);
    const sudo = await cli(['service', 'print'], { env: baseEnv({ SUDO_USER: 'nobody' }) });
    expect(sudo.stdout).toContain('User=nobody');
    const root = await cli(['service', 'print', '--as-root'], { env: baseEnv() });
    expect(root.stdout).toContain('User=root');
  });

  it('`service install --user NAME` refuses an account that does not exist; a bare `--user` points to --user-unit', async () => {
    const r = await cli(['service', 'print', '--user', 'no-such-botduino-user'], { env: baseEnv() });
    expect(r.code).toBe(EXIT.usage);
    expect(r.stderr).toMatch(/There is no user `no-such-botduino-user`/);
    const bare = await cli(['service', 'print', '--user'], { env: baseEnv() });
    expect(bare.code).toBe(EXIT.usage);
    expect(bare.stderr).toMatch(/--user-unit/);
  });

  it('`service install --user-unit` writes a user unit and says what to run next', async () => {
    const env = baseEnv();
    const home = env.HOME!;
    const r = await cli(['service', 'install', '--user-unit'], { env });
    expect(r.code, r.stderr).toBe(EXIT.ok);
    const unit = join(home, '.config/systemd/user/botduino.service');
    expect(r.stderr).toContain(`wrote ${unit}`);
    expect(r.stderr).toContain('systemctl --user daemon-reload');
    expect(readFileSync(unit, 'utf8')).toMatch(/ExecStart=\S+ \S+ run\n[^]*WantedBy=default\.target/);
  });

  it('`config show` masks the domain and the webhook secret; `config schema` is a JSON Schema', async () => {
    const env = baseEnv({ BOTDISTRIKT_APP_ID: '42', BOTDISTRIKT_DOMAIN: DOMAIN, BOTDUINO_WEBHOOK_SECRET: 'S3cr3tS3cr3tS3cr3tXYZ' });
    const shown = await cli(['config', 'show'], { env });
    expect(shown.code).toBe(EXIT.ok);
    expect(shown.stdout).not.toContain('k3j9x0a1qz');
    expect(shown.stdout).not.toContain('S3cr3tS3cr3tS3cr3tXYZ');
    expect(JSON.parse(shown.stdout).botdistrikt.domain).toMatch(/…/);

    const schema = await cli(['config', 'schema']);
    const s = JSON.parse(schema.stdout);
    expect(s.$schema).toMatch(/json-schema\.org/);
    expect(Object.keys(s.properties)).toEqual(expect.arrayContaining(['devices', 'botdistrikt', 'webhook', 'ui']));
  });

  it('`webhook-url` prints the full URL the receiver will answer on, with the secret kept in state', async () => {
    const env = baseEnv();
    const r = await cli(['webhook-url', '--base', 'https://k3j9.example.org/'], { env });
    expect(r.code).toBe(EXIT.ok);
    const url = r.stdout.trim();
    expect(url).toMatch(/^https:\/\/k3j9\.example\.org\/botduino\/[A-Za-z0-9_-]{24,}$/);
    const { StateFile } = await import('../bridge/botdistrikt/state.js');
    const { startWebhook } = await import('../bridge/botdistrikt/webhook.js');
    const hook = await startWebhook({ port: 0, state: new StateFile(env.BOTDUINO_STATE_DIR) });
    try {
      expect(url.endsWith(hook.path)).toBe(true);
    } finally {
      await hook.close();
    }
    const local = await cli(['webhook-url'], { env });
    expect(local.stdout.trim()).toBe(`http://127.0.0.1:0${new URL(url).pathname}`);
    expect(local.stderr).toContain('--base');
  });

  it('`config show` exits 3 naming the bad field and where it came from', async () => {
    const r = await cli(['config', 'show'], { env: baseEnv({ BOTDUINO_WEBHOOK_PORT: 'eighty' }) });
    expect(r.code).toBe(EXIT.config);
    expect(r.stderr).toMatch(/webhook\.port: .*\(from the environment\)/);
  });
});
