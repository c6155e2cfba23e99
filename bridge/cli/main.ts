#!/usr/bin/env node
/**
 * The botduino command line. Data goes to stdout (JSON with --json), logs
 * and progress to stderr; exit codes are listed in `botduino --help` and
 * the README.
 *
 * Over 400 lines: the command table, one yargs definition per command with
 * its options, help and examples; each command's work is in its own file.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import yargs, { type Argv } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { loadConfig, type Config } from '../config.js';
import { BotduinoError, ConfigError, EXIT } from '../../common/errors.js';
import { tuneHeap } from '../heap.js';
import { createLogger, mask, type Level, type Logger } from '../log.js';
import { packageVersion } from '../paths.js';
import { createOutput, type Output } from './output.js';

interface Globals {
  config?: string;
  'log-level'?: Level;
  verbose?: boolean;
  json?: boolean;
}

export interface CliIO {
  stdout?: { write(s: string): unknown; isTTY?: boolean };
  stderr?: { write(s: string): unknown; isTTY?: boolean };
  env?: NodeJS.ProcessEnv;
  stdin?: NodeJS.ReadStream;
  /** Resolves when `run` should stop (tests); default SIGINT/SIGTERM. */
  until?: Promise<unknown>;
  /** Stops `monitor` when aborted (tests); it also stops on SIGINT. */
  signal?: AbortSignal;
}

const EXIT_HELP = `Exit codes: 0 ok · 1 failure · 2 usage · 3 configuration · 4 serial port · 5 protocol mismatch (reflash) · 6 BotDistrikt API · 7 tool missing · 8 build or flash failed`;

function setup(argv: Globals, io: CliIO, flags: Record<string, unknown> = {}): { config: Config; logger: Logger; out: Output } {
  const env = io.env ?? process.env;
  const config = loadConfig({ file: argv.config, env, flags });
  const level: Level = argv.verbose ? 'debug' : (argv['log-level'] ?? config.log.level);
  const stderr = io.stderr ?? process.stderr;
  const logger = createLogger({ level, write: (l) => stderr.write(l + '\n'), color: !!stderr.isTTY && !env.NO_COLOR });
  return {
    config,
    logger,
    out: createOutput({ json: argv.json, stdout: io.stdout, stderr: io.stderr, color: !!stderr.isTTY && !env.NO_COLOR }),
  };
}

/** Runs the CLI with `args`; resolves with the exit code (never calls process.exit). */
export async function main(args: string[], io: CliIO = {}): Promise<number> {
  tuneHeap();
  const stderr = io.stderr ?? process.stderr;
  const stdout = io.stdout ?? process.stdout;
  const color = !!stderr.isTTY && !(io.env ?? process.env).NO_COLOR;
  let code: number = EXIT.ok;
  const done = (c: number) => {
    code = c;
  };

  const cli: Argv<Globals> = yargs()
    .scriptName('botduino')
    .usage('$0 <command> [options]\n\nTurn an Arduino with an LCD, buttons and a keypad into a chat device for a BotDistrikt chatbot.')
    .option('config', { type: 'string', describe: 'Config file (default ./botduino.json or ~/.config/botduino/config.json)' })
    .option('log-level', {
      type: 'string',
      choices: ['debug', 'info', 'warn', 'error', 'silent'] as const,
      describe: 'Log level on stderr',
    })
    .option('verbose', { alias: 'v', type: 'boolean', describe: 'Same as --log-level debug' })
    .command(
      'run',
      'Serve real boards with the configured BotDistrikt channel',
      (y) =>
        y
          .option('port', {
            type: 'array',
            string: true,
            describe: 'Serial port(s): a path, /dev/serial/by-id/…, auto (default from the config)',
          })
          .example('$0 run', 'serve every board found, with the channel from botduino.json')
          .example(
            'BOTDISTRIKT_APP_ID=123 BOTDISTRIKT_DOMAIN=https://k3j9x0a1qz.example.org $0 run --port /dev/ttyACM0',
            'one board, settings from the environment',
          ),
      async (a) => {
        const flags: Record<string, unknown> = {};
        if (a.port?.length) flags.devices = a.port.map((port) => ({ port }));
        const { config, logger, out } = setup(a, io, flags);
        const { runBridge } = await import('./run.js');
        done(await runBridge({ config, logger, out, until: io.until }));
      },
    )
    .command(
      'simulate',
      'Run the firmware on a simulated board, with the demo bot (or your BotDistrikt channel)',
      (y) =>
        y
          .option('preset', { type: 'string', default: 'lcd-keypad-shield', describe: 'Which board to simulate' })
          .option('json', {
            type: 'boolean',
            describe: 'Scenario mode: read timed key presses as JSON lines, print LCD snapshots as JSON lines',
          })
          .option('script', { type: 'string', describe: 'Scenario file (default: stdin)' })
          .option('duration', { type: 'number', describe: 'Stop after this many ms of simulated time' })
          .option('demo', { type: 'boolean', describe: 'Use the local demo bot even when BotDistrikt is configured' })
          .option('agent-delay', { type: 'number', default: 3000, describe: 'Demo bot: ms before the "live agent" answers' })
          .option('slowdown', {
            type: 'number',
            describe:
              'Run the board at 1/N of real speed (the bridge keeps the board’s time): watch a redraw happen, or check that nothing depends on the machine’s speed',
          })
          .option('rom', {
            type: 'string',
            choices: ['A00', 'A02'] as const,
            describe:
              'The simulated LCD’s character ROM: A00 (the presets’) or A02 (European); the image is unchanged, the bridge renders for this ROM',
          })
          .option('pty', {
            type: 'string',
            describe:
              'Serve no bridge: make the board’s serial port a pseudo-terminal at this path, for `run --port` or `firmware flash --port`',
          })
          .example('$0 simulate', 'interactive: arrow keys and Enter press the shield’s buttons')
          .example('$0 simulate --preset i2c-lcd-keypad', 'a 20×4 I2C LCD with a keypad: type with the digit keys, # sends')
          .example(`echo '{"at":3000,"tap":"SELECT"}' | $0 simulate --json --duration 8000`, 'scenario mode, LCD snapshots on stdout'),
      async (a) => {
        const { config, logger, out } = setup({ ...a, json: a.json || !(io.stdin ?? process.stdin).isTTY }, io);
        const { simulate } = await import('./simulate.js');
        done(
          await simulate({
            config,
            logger,
            out,
            preset: a.preset,
            json: a.json,
            script: a.script,
            durationMs: a.duration,
            demo: a.demo,
            agentDelayMs: a['agent-delay'],
            stdin: io.stdin,
            pty: a.pty,
            rom: a.rom as 'A00' | 'A02' | undefined,
            slowdown: a.slowdown,
          }),
        );
      },
    )
    .command(
      'ports',
      'List serial ports, marking the ones that look like Arduino boards',
      (y) => y.option('json', { type: 'boolean', describe: 'JSON output' }).example('$0 ports --json', 'machine-readable list'),
      async (a) => {
        const out = createOutput({ json: a.json, stdout, stderr, color });
        const { listPorts } = await import('../link/ports.js');
        const ports = await listPorts();
        if (a.json) out.data(ports);
        else if (!ports.length)
          out.note('No serial ports found. Is the board plugged in? On Linux, `dmesg | tail` shows whether it was detected.');
        else {
          const { table } = await import('./output.js');
          out.data(
            table([
              ['PORT', 'USB ID', 'SERIAL', 'MAKER', 'BOARD?'],
              ...ports.map((p) => [
                p.byId ?? p.path,
                p.vendorId ? `${p.vendorId}:${p.productId}` : '-',
                p.serialNumber ?? '-',
                p.manufacturer ?? '-',
                p.likelyArduino ? 'yes' : '',
              ]),
            ]),
          );
        }
      },
    )
    .command(
      'monitor <port>',
      'Show a board’s traffic live, every frame decoded (passive)',
      (y) =>
        y
          .positional('port', { type: 'string', demandOption: true, describe: 'Serial port or sim:<preset>' })
          .option('json', { type: 'boolean', describe: 'One JSON object per line' })
          .option('ping', { type: 'boolean', describe: 'Send a PING every second (otherwise nothing is sent)' })
          .option('baud', { type: 'number', describe: 'The firmware’s line rate (default: found, trying 250000 then 115200)' })
          .example('$0 monitor /dev/ttyACM0', 'watch the frames go by')
          .example('$0 monitor sim:lcd-keypad-shield --ping', 'the simulated board, with health counters'),
      async (a) => {
        const { runMonitor } = await import('./monitor.js');
        const ac = new AbortController();
        const stop = () => ac.abort();
        process.once('SIGINT', stop);
        if (io.signal?.aborted) stop();
        io.signal?.addEventListener('abort', stop, { once: true });
        let sim: { stop(): void } | undefined;
        if (a.port.startsWith('sim:')) {
          const { simulatePreset } = await import('../sim/index.js');
          sim = simulatePreset(a.port.slice(4)).runner;
        }
        try {
          await runMonitor({ path: a.port, baudRate: a.baud, json: a.json, ping: a.ping, out: stdout, signal: ac.signal });
        } finally {
          process.off('SIGINT', stop);
          sim?.stop();
        }
      },
    )
    .command('firmware', 'Generate, build or flash the firmware', (y) =>
      y
        .example('$0 firmware generate --device my-device.json --out my-firmware', 'a PlatformIO project for your own wiring')
        .example('$0 firmware flash --device lcd-keypad-shield --port /dev/ttyACM0', 'upload a preset')
        .command(
          'generate',
          'Write a complete PlatformIO project for a device',
          (y2) =>
            y2
              .option('device', { type: 'string', demandOption: true, describe: 'Preset name or device description file' })
              .option('out', { type: 'string', demandOption: true, describe: 'Directory to write the project to' })
              .option('json', { type: 'boolean' })
              .example('$0 firmware generate --device my-device.json --out my-firmware', 'then: pio run -d my-firmware -t upload'),
          async (a) => {
            const out = createOutput({ json: a.json, stdout, stderr, color });
            const { loadDevice } = await import('../../firmware/devices/index.js');
            const { generateProject } = await import('../../firmware/generator/device.js');
            const device = loadDevice(a.device);
            const files = await generateProject(device, a.out, a.device);
            if (a.json) out.data({ device: device.name, out: a.out, files });
            else {
              for (const f of files) out.data(f);
              out.note(`PlatformIO project for ${device.name} written to ${a.out}: flash it with \`pio run -d ${a.out} -t upload\`.`);
            }
          },
        )
        .command(
          'build [presets..]',
          'Build presets with Debian’s AVR toolchain (no PlatformIO needed) and report flash and RAM',
          (y2) =>
            y2
              .positional('presets', { type: 'string', array: true, describe: 'Presets to build (default: all)' })
              .option('out', { type: 'string', describe: 'Build folder (objects, ELF and HEX); default ~/.cache/botduino/firmware-build' })
              .option('images', {
                type: 'boolean',
                describe: 'Also copy each HEX over firmware/images/<preset>.hex (for botduino maintainers)',
              })
              .option('json', { type: 'boolean' })
              .example('$0 firmware build lcd-keypad-shield', 'needs: sudo apt-get install gcc-avr avr-libc arduino-core-avr')
              .example('$0 firmware build --out build/fw --json', 'every preset; flash and RAM as JSON'),
          async (a) => {
            const out = createOutput({ json: a.json, stdout, stderr, color });
            const { buildPreset } = await import('../../firmware/build/build.js');
            const { listPresets } = await import('../../firmware/devices/index.js');
            const names = a.presets?.length ? a.presets : listPresets();
            const unknown = names.filter((n) => !listPresets().includes(n));
            if (unknown.length)
              throw new ConfigError(
                `Not a preset: ${unknown.join(', ')}. Presets: ${listPresets().join(', ')}; for your own device use \`botduino firmware generate\` and PlatformIO.`,
              );
            const { join, resolve } = await import('node:path');
            const { cacheDir } = await import('../paths.js');
            // the user's cache, never the installed package (which a normal user cannot write to)
            const workDir = a.out ? resolve(a.out) : join(cacheDir(io.env ?? process.env), 'firmware-build');
            const results = [];
            for (const n of names) {
              const end = out.progress(`building ${n}`);
              try {
                const r = await buildPreset(n, { copyImage: !!a.images, workDir });
                end('done');
                results.push({ preset: n, flash: r.flash, ram: r.ram, flashMax: r.flashMax, ramMax: r.ramMax, hex: r.hexPath });
                if (!a.json) out.data(`${n}: ${r.flash} B flash (of ${r.flashMax}), ${r.ram} B RAM (of ${r.ramMax})`);
              } catch (e) {
                end('failed');
                throw e;
              }
            }
            if (a.json) out.data(results);
          },
        )
        .command(
          'flash',
          'Upload the firmware to a board with PlatformIO (or avrdude for a preset)',
          (y2) =>
            y2
              .option('device', { type: 'string', demandOption: true, describe: 'Preset name or device description file' })
              .option('port', { type: 'string', demandOption: true, describe: 'The board’s serial port' })
              .example(
                '$0 firmware flash --device lcd-keypad-shield --port /dev/ttyACM0',
                'a running bridge lets go of the port during the upload',
              ),
          async (a) => {
            const { config, out } = setup(a, io);
            const { flash } = await import('./flash.js');
            await flash({
              device: a.device,
              port: a.port,
              stateDir: config.stateDir,
              progress: out.progress,
              env: io.env ?? process.env,
              output: io.stderr ?? process.stderr,
            });
          },
        )
        .demandCommand(1, 'Name a firmware command: generate, build or flash.'),
    )
    .command(
      'probe',
      'Walk a first contact with your bot (register, send, choose a quick reply) and show each request and answer, masked, with a verdict on each guess',
      (y) =>
        y
          .option('message', { type: 'string', default: 'hello', describe: 'What to send' })
          .option('save', { type: 'string', describe: 'Also write the report as JSON (masked) to this file, for a bug report' })
          .option('webhook', {
            type: 'number',
            describe: 'Also wait this many seconds for one push to the probe’s user through the webhook receiver (config webhook)',
          })
          .option('json', { type: 'boolean', describe: 'Print the report as JSON (masked)' })
          .example('$0 probe', 'check your app id, domain and message shape; the probe keeps one user of its own (one user on your plan)')
          .example('$0 probe --save probe.json', 'the same report as JSON, to attach to a bug report'),
      async (a) => {
        const { config, out } = setup(a, io);
        const { probeWithConfig } = await import('./probe-run.js');
        const end = out.progress('probing BotDistrikt');
        const r = await probeWithConfig(config, { message: a.message, webhookSeconds: a.webhook }).catch((e: unknown) => {
          end('failed');
          throw e;
        });
        end(r.ok ? 'done' : 'a step failed (see the report)');
        out.data(a.json ? JSON.parse(r.json) : r.text);
        if (a.save) (await import('node:fs')).writeFileSync(a.save, r.json + '\n');
        if (r.error) throw r.error;
      },
    )
    .command(
      'doctor',
      'Check Node, serial permissions, PlatformIO, ports, the config and the webhook',
      (y) =>
        y
          .option('json', { type: 'boolean' })
          .option('online', {
            type: 'boolean',
            describe: 'Also check BotDistrikt: DNS, TLS, and that the app id and domain are accepted (reuses the probe’s user)',
          })
          .example('$0 doctor', 'what to fix, if anything')
          .example('$0 doctor --online', 'the same, and whether BotDistrikt accepts your channel'),
      async (a) => {
        const out = createOutput({ json: a.json, stdout, stderr, color });
        const { runDoctor } = await import('./doctor-run.js');
        const { ok, checks, text } = await runDoctor({ configFile: a.config, env: io.env ?? process.env, online: a.online });
        out.data(a.json ? { ok, checks } : text);
        if (!ok) done(EXIT.failure);
      },
    )
    .command(
      'service <action>',
      'Print or install a hardened systemd unit and a udev rule (Raspberry Pi)',
      (y) =>
        y
          .positional('action', { choices: ['print', 'install'] as const, demandOption: true })
          .option('user', { type: 'string', describe: 'Account the system service runs as (default: the one that ran sudo)' })
          .option('as-root', { type: 'boolean', describe: 'Let the service run as root (it does not need to)' })
          .option('user-unit', { type: 'boolean', describe: 'A systemd user unit (~/.config/systemd/user) instead of a system service' })
          .option('service-config', { type: 'string', describe: 'Config file the service runs with' })
          .option('json', { type: 'boolean', describe: 'print: the files as JSON ({ path, content } each)' })
          .example('$0 service print', 'show the unit and the udev rule')
          .example('sudo $0 service install --service-config /etc/botduino.json', 'install both; the service runs as you'),
      async (a) => {
        const env = io.env ?? process.env;
        const out = createOutput({ json: a.json, stdout, stderr, color });
        const svc = await import('./service.js');
        if (a.user === '')
          throw new BotduinoError(
            '`--user` needs the name of the account the service runs as, e.g. `--user pi`; for a systemd user unit use `--user-unit`.',
            'usage',
            EXIT.usage,
          );
        const exec = realpathSync(fileURLToPath(import.meta.url));
        const userUnit = !!a['user-unit'];
        const user = userUnit ? undefined : svc.resolveServiceUser({ user: a.user, asRoot: a['as-root'], env });
        const o = { exec, config: a['service-config'], userUnit, user, group: userUnit ? undefined : svc.serialGroup() };
        const home = env.HOME || undefined;
        if (a.action === 'print') {
          const files = [{ path: svc.unitPath(o, '/', home), content: svc.systemdUnit(o) }];
          if (!userUnit)
            files.push(
              { path: '/etc/udev/rules.d/99-botduino.rules', content: svc.udevRule(o.group) },
              { path: '/etc/modules-load.d/botduino.conf', content: svc.modulesLoad() },
            );
          out.data(a.json ? files : files.map((f) => `# ${f.path}\n${f.content}`).join('\n'));
        } else {
          const r = svc.installService(o, { home });
          out.note(
            `wrote ${[r.unitPath, r.rulePath, r.modulesPath].filter(Boolean).join(', ')}; now run:\n  ${r.commands.join('\n  ')}${r.notes.length ? '\n' + r.notes.join('\n') : ''}`,
          );
        }
      },
    )
    .command(
      'relay',
      'Receive BotDistrikt’s event webhook on a public host and pass each push through the MQTT broker (webhook.mqtt) to the bridges',
      (y) =>
        y
          .option('insecure', {
            type: 'boolean',
            default: false,
            describe: 'Allow plain HTTP on an address other than loopback (only on a network you trust)',
          })
          .example('$0 relay', 'on 127.0.0.1:8787, behind your https reverse proxy')
          .example('BOTDUINO_WEBHOOK_HOST=0.0.0.0 $0 relay --insecure', 'plain HTTP on every interface (a trusted network only)'),
      async (a) => {
        const { config, logger, out } = setup(a, io);
        const { runRelay } = await import('./relay.js');
        done(await runRelay({ config, logger, out, insecure: a.insecure, wait: io.until, env: io.env ?? process.env }));
      },
    )
    .command(
      'webhook-url',
      'Print the full URL of the webhook receiver (its path holds a secret) for BotDistrikt’s Website Integration page',
      (y) =>
        y
          .option('base', {
            type: 'string',
            describe: 'The public base URL that reaches the receiver (your proxy or tunnel), e.g. https://bot.example.org',
          })
          .option('json', { type: 'boolean', describe: 'Print {"url": …} as JSON' })
          .example('$0 webhook-url --base https://k3j9.example.org', 'the URL to paste as the Event webhook'),
      async (a) => {
        const { config, out } = setup(a, io);
        const { StateFile } = await import('../botdistrikt/state.js');
        const { newWebhookSecret } = await import('../botdistrikt/webhook.js');
        // the same secret the receiver uses: configured, or kept in state.json (made now if this is the first time)
        const secret =
          config.webhook.secret ??
          (await new StateFile(config.stateDir).update((st) => {
            if (!st.webhook?.secret) st.webhook = { ...st.webhook, secret: newWebhookSecret() };
            return st.webhook.secret!;
          }));
        const host = config.webhook.host === '0.0.0.0' || config.webhook.host === '::' ? '127.0.0.1' : config.webhook.host;
        const base = (a.base ?? `http://${host}:${config.webhook.port}`).replace(/\/+$/, '');
        const url = `${base}/botduino/${secret}`;
        out.data(a.json ? { url } : url);
        if (!a.base) out.note('This is the local address; BotDistrikt needs one it can reach: give --base with your public https URL.');
      },
    )
    .command(
      'config <action>',
      'Show the effective configuration (secrets masked) or its JSON Schema',
      (y) =>
        y
          .positional('action', { choices: ['show', 'schema'] as const, demandOption: true })
          .option('json', { type: 'boolean', describe: 'Compact JSON on one line (the output is JSON either way)' })
          .example('$0 config show', 'after flags, environment and file are merged')
          .example('$0 config show --json | jq .stateDir', 'one field'),
      async (a) => {
        const out = createOutput({ stdout, stderr, color });
        const indent = a.json ? undefined : 2;
        if (a.action === 'schema') {
          const { configJsonSchema } = await import('../config.js');
          out.data(JSON.stringify(configJsonSchema(), null, indent));
          return;
        }
        const { config } = setup(a, io);
        const { addSecret } = await import('../log.js');
        addSecret(config.botdistrikt?.domain);
        addSecret(config.webhook.secret);
        out.data(mask(JSON.stringify(config, null, indent)));
      },
    )
    .demandCommand(1, 'Name a command; `botduino --help` lists them.')
    .strict()
    .recommendCommands()
    .epilogue(EXIT_HELP)
    .version(packageVersion)
    .help('help')
    .alias('help', 'h')
    .wrap(Math.min(110, (stdout as NodeJS.WriteStream).columns ?? 100))
    .exitProcess(false)
    .fail((msg, err) => {
      if (err) throw err;
      // thrown, so that no command runs after a usage error
      const unknown = /^Did you mean (\S+)\?$/.exec(msg ?? '');
      const text = unknown ? `Not a botduino command — did you mean \`${unknown[1]}\`?` : msg;
      throw new BotduinoError(`${text}\nRun \`botduino --help\` for usage.`, 'usage', EXIT.usage);
    });

  try {
    // help and version text come back here instead of going to the console, so they land on io.stdout
    let shown = '';
    await cli.parseAsync(args, {}, (_err, _argv, output) => {
      if (output) shown = output;
    });
    if (shown) stdout.write(shown + '\n');
  } catch (e) {
    if (e instanceof BotduinoError) {
      stderr.write(mask(`botduino: ${e.message}`) + '\n');
      return e.exitCode;
    }
    const err = e as Error;
    stderr.write(mask(`botduino: ${err.message}`) + '\nThis looks like a bug: run again with --verbose and report what it prints.\n');
    return EXIT.failure;
  }
  return code;
}

const isMain = (() => {
  try {
    return process.argv[1] !== undefined && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
})();

if (isMain) {
  main(hideBin(process.argv)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: Error) => {
      process.stderr.write(`botduino: ${e.message}\n`);
      process.exitCode = EXIT.failure;
    },
  );
}
