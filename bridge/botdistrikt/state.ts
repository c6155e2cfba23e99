/**
 * botduino's small state file (state.json): BotDistrikt users per device
 * and the webhook's path secret. Written atomically (temp file, fsync,
 * rename) with mode 0600, in a directory with mode 0700, because it holds
 * values that work like passwords.
 *
 * The state is read once and kept in memory, with one owner per state
 * directory in this process (every StateFile of the same directory shares
 * it). Changes go through one queue; changes waiting together are written
 * with one fsync. A change that matters (a new user, a registration, the
 * webhook secret) is on disk when its promise resolves; a change of
 * activity times only is written at most once per `coalesceMs`, and always
 * on flush() and close(). When another process changed the file since we
 * last read or wrote it (e.g. `botduino webhook-url` making the secret
 * while a bridge runs), it is read again before the next change, and the
 * activity times not yet written are kept on top of it. The file is looked
 * at (stat) only after the folder's watcher saw something change there,
 * or before every batch of changes where the folder cannot be watched.
 *
 *   const state = new StateFile(dir);
 *   const secret = await state.update((s) => s.webhook?.secret);
 *   await state.flush();
 */
import { promises as fs, watch, type FSWatcher } from 'node:fs';
import { defaultStateDir } from '../paths.js';
import path from 'node:path';
import { ConfigError } from '../../common/errors.js';

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

/**
 * What an `edit` changed, so that no comparison of the whole state is needed:
 * 'none' (nothing), 'activity' (only `lastActiveAt` of the devices named in
 * `touched`: written soon), 'now' (anything else: written before the promise resolves).
 */
export type Edit<T> = { value: T; write: 'none' } | { value: T; write: 'now' } | { value: T; write: 'activity'; touched: string[] };

/** The one default state folder (bridge/paths.ts): $XDG_STATE_HOME/botduino, else ~/.local/state/botduino. */
export { defaultStateDir };

/** Options of `new StateFile(dir, opts)`. */
export interface StateFileOptions {
  /**
   * Longest time a change of activity times only waits before it is written,
   * in ms; default 1000. The first StateFile of a directory sets it for all.
   */
  coalesceMs?: number;
}

export class StateFile {
  readonly file: string;
  private readonly store: Store;

  /** `dir` defaults to defaultStateDir(). */
  constructor(
    readonly dir: string = defaultStateDir(),
    opts: StateFileOptions = {},
  ) {
    this.file = path.join(dir, 'state.json');
    const key = path.resolve(dir);
    let store = stores.get(key);
    if (!store) stores.set(key, (store = new Store(dir, this.file, opts.coalesceMs ?? 1000)));
    this.store = store;
  }

  /** A copy of the current state (read from disk when another process changed it). */
  read(): Promise<State> {
    return this.store.enqueue((s) => ({ value: structuredClone(s), write: 'none' }));
  }

  /** Looks at the current state without copying it; `look` must not change it. */
  view<T>(look: (state: Readonly<State>) => T): Promise<T> {
    return this.store.enqueue((s) => ({ value: look(s), write: 'none' }));
  }

  /** Changes the state, one change at a time; a change that changes something is on disk when this resolves, one that changes nothing writes nothing. */
  update<T>(change: (state: State) => T): Promise<T> {
    return this.store.enqueue((s) => {
      const before = JSON.stringify(s);
      const value = change(s);
      return { value, write: JSON.stringify(s) === before ? 'none' : 'now' };
    });
  }

  /** Like update(), but `change` says what it changed (see Edit): cheaper, and activity times are written soon rather than now. */
  edit<T>(change: (state: State) => Edit<T>): Promise<T> {
    return this.store.enqueue(change);
  }

  /** Writes the activity times still waiting, if any. */
  flush(): Promise<void> {
    return this.store.flush();
  }

  /** Writes what is waiting and forgets the state kept in memory (the next use reads the file again). */
  async close(): Promise<void> {
    await this.store.flush();
    if (stores.get(path.resolve(this.dir)) === this.store && this.store.idle()) {
      stores.delete(path.resolve(this.dir));
      this.store.release();
    }
  }
}

/** The one owner of each state directory in this process. */
const stores = new Map<string, Store>();

interface Job {
  run: (state: State) => Edit<unknown>;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

/** What identifies the file's version on disk; 'none' when there is no file. */
type Signature = string;

class Store {
  private state: State | null = null;
  /** The signature of the file as we last read or wrote it. */
  private seen: Signature = '';
  private jobs: Job[] = [];
  private draining = false;
  /** Activity times set in memory but not yet written: device → [webchatId, lastActiveAt]. */
  private readonly unwritten = new Map<string, [string, number]>();
  private timer: NodeJS.Timeout | null = null;
  private tmpSeq = 0;
  /** Tells when something in the folder changed, so that the file is looked at only then; without it, before every batch. */
  private watcher: FSWatcher | null = null;
  /** Something in the folder may have changed since the file was last looked at. */
  private stirred = true;

  constructor(
    private readonly dir: string,
    private readonly file: string,
    private readonly coalesceMs: number,
  ) {}

  idle(): boolean {
    return !this.draining && this.jobs.length === 0 && this.unwritten.size === 0;
  }

  /** Stops watching the folder (the store is being forgotten). */
  release(): void {
    this.watcher?.close();
    this.watcher = null;
    this.stirred = true;
  }

  private watch(): void {
    if (this.watcher) return;
    try {
      this.watcher = watch(this.dir, { persistent: false }, () => (this.stirred = true));
      this.watcher.on('error', () => this.release());
    } catch {
      // no folder yet, or a file system that cannot be watched: look at the file before every batch
    }
  }

  enqueue<T>(run: (state: State) => Edit<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.jobs.push({ run, resolve: resolve as (v: unknown) => void, reject });
      if (!this.draining) void this.drain();
    });
  }

  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    // a job that writes when activity times are waiting, after every job queued before it
    await this.enqueue(() => ({ value: undefined, write: this.unwritten.size ? 'now' : 'none' }));
  }

  /** Runs the waiting jobs in batches: one look at the file, then every job in order, then at most one write. */
  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.jobs.length) {
        const batch = this.jobs;
        this.jobs = [];
        let state: State;
        try {
          state = await this.current();
        } catch (err) {
          for (const j of batch) j.reject(err);
          continue;
        }
        const done: { job: Job; value: unknown }[] = [];
        let writeNow = false;
        for (const job of batch) {
          let edit: Edit<unknown>;
          try {
            edit = job.run(state);
          } catch (err) {
            job.reject(err);
            continue;
          }
          if (edit.write === 'now') writeNow = true;
          else if (edit.write === 'activity') {
            for (const id of edit.touched) {
              const d = state.devices[id];
              if (d) this.unwritten.set(id, [d.webchatId, d.lastActiveAt]);
            }
          }
          done.push({ job, value: edit.value });
        }
        if (writeNow) {
          try {
            await this.write(state);
          } catch (err) {
            for (const d of done) d.job.reject(err);
            continue;
          }
        } else if (this.unwritten.size && !this.timer) {
          this.timer = setTimeout(() => {
            this.timer = null;
            this.flush().catch(() => undefined); // tried again with the next change or flush
          }, this.coalesceMs);
          this.timer.unref();
        }
        for (const d of done) d.job.resolve(d.value);
      }
    } finally {
      this.draining = false;
    }
  }

  /** The state in memory, read again first when the file is not the one we last read or wrote. */
  private async current(): Promise<State> {
    if (this.state && this.watcher && !this.stirred) return this.state;
    this.stirred = false;
    this.watch();
    const sig = await this.signature();
    if (this.state && sig === this.seen) return this.state;
    const state = await this.load();
    // activity times not yet written stay on top of what another process wrote
    for (const [id, [webchatId, at]] of this.unwritten) {
      const d = state.devices[id];
      if (d && d.webchatId === webchatId && at > d.lastActiveAt) d.lastActiveAt = at;
      else if (!d || d.webchatId !== webchatId) this.unwritten.delete(id);
    }
    this.state = state;
    this.seen = sig;
    return state;
  }

  private async signature(): Promise<Signature> {
    try {
      const st = await fs.stat(this.file, { bigint: true });
      return `${st.ino}:${st.size}:${st.mtimeNs}`;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'none';
      throw new ConfigError(`Cannot read ${this.file}: ${(err as Error).message}. Check its permissions.`, { cause: err });
    }
  }

  private async load(): Promise<State> {
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
        `The state file ${this.file} is not valid JSON (${text.trim() ? 'cut short or edited by hand' : 'empty'}). ` +
          'Fix it, or delete it: each device then registers a new BotDistrikt user, and the webhook secret changes unless webhook.secret is set ' +
          '(run `botduino webhook-url` and update the Event webhook on the Website Integration page).',
        { cause: err },
      );
    }
  }

  private async write(state: State): Promise<void> {
    const tmp = `${this.file}.${process.pid}.${++this.tmpSeq}.tmp`;
    try {
      await fs.mkdir(this.dir, { recursive: true, mode: 0o700 });
      const handle = await fs.open(tmp, 'w', 0o600);
      let st;
      try {
        await handle.writeFile(JSON.stringify(state, null, 2) + '\n');
        await handle.sync();
        st = await handle.stat({ bigint: true });
      } finally {
        await handle.close();
      }
      await fs.rename(tmp, this.file);
      await fs.chmod(this.file, 0o600);
      this.seen = `${st.ino}:${st.size}:${st.mtimeNs}`;
    } catch (err) {
      await fs.rm(tmp, { force: true }).catch(() => undefined);
      // what is in memory was not written: the next change starts again from the file
      this.state = null;
      throw new ConfigError(
        `Cannot write ${this.file}: ${(err as Error).message}. Check that its folder is writable and the disk is not full.`,
        {
          cause: err,
        },
      );
    }
    this.unwritten.clear();
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
