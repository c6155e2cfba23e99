/**
 * botduino's small state file (state.json): BotDistrikt users per device
 * and the webhook's path secret. Written atomically (temp file, fsync,
 * rename) with mode 0600, in a directory with mode 0700, because it holds
 * values that work like passwords.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError } from '../errors.js';

export interface DeviceUser {
  webchatId: string;
  /** The bot_user object as BotDistrikt returned it; absent until registered. */
  user?: Record<string, unknown>;
  /** When the user was created (ms since epoch). */
  createdAt: number;
  /** Last message sent or received (ms since epoch). */
  lastActiveAt: number;
}

export interface State {
  version: 1;
  devices: Record<string, DeviceUser>;
  webhook?: { secret?: string };
}

/** $XDG_STATE_HOME/botduino, else ~/.local/state/botduino. */
export function defaultStateDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_STATE_HOME && path.isAbsolute(env.XDG_STATE_HOME) ? env.XDG_STATE_HOME : path.join(os.homedir(), '.local', 'state');
  return path.join(base, 'botduino');
}

export class StateFile {
  readonly file: string;
  private chain: Promise<unknown> = Promise.resolve();

  /** `dir` defaults to defaultStateDir(). */
  constructor(readonly dir: string = defaultStateDir()) {
    this.file = path.join(dir, 'state.json');
  }

  async read(): Promise<State> {
    let text: string;
    try {
      text = await fs.readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, devices: {} };
      throw new ConfigError(`Cannot read ${this.file}: ${(err as Error).message}. Check its permissions.`, { cause: err });
    }
    try {
      const parsed = JSON.parse(text) as Partial<State>;
      return { version: 1, devices: parsed.devices ?? {}, ...(parsed.webhook ? { webhook: parsed.webhook } : {}) };
    } catch (err) {
      throw new ConfigError(
        `${this.file} is not valid JSON. Fix it, or delete it to start with fresh BotDistrikt users.`,
        { cause: err },
      );
    }
  }

  /** Reads, changes and writes the state, one change at a time; a change that changes nothing writes nothing. */
  update<T>(change: (state: State) => T): Promise<T> {
    const run = this.chain.then(async () => {
      const state = await this.read();
      const before = JSON.stringify(state);
      const result = change(state);
      if (JSON.stringify(state) !== before) await this.write(state);
      return result;
    });
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async write(state: State): Promise<void> {
    await fs.mkdir(this.dir, { recursive: true, mode: 0o700 });
    const tmp = `${this.file}.${process.pid}.${Date.now()}.tmp`;
    const handle = await fs.open(tmp, 'w', 0o600);
    try {
      await handle.writeFile(JSON.stringify(state, null, 2) + '\n');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(tmp, this.file);
    await fs.chmod(this.file, 0o600);
  }
}
