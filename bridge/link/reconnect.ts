/**
 * Finding the board: the port named (or, for `auto`, the first Arduino-like
 * port whose board answers), and finding it again after a loss: tries at
 * growing intervals (doubling from `reconnectMinMs` to `reconnectMaxMs`) on
 * the ports it may be on now, until it answers, the link stops, or another
 * firmware answers.
 */
import { MismatchError, SerialError } from '../../common/errors.js';
import { Timer, type Clock } from '../clock.js';
import type { Logger } from '../log.js';
import { candidatesFor, resolveTarget, type PortInfo, type PortTarget } from './ports.js';
import type { DeviceCaps } from './types.js';

/** What the finder needs from the link. */
export interface FinderLink {
  /** Opens `path` and shakes hands (the board must be `expectId`, when given). */
  connect(path: string, expectId?: string): Promise<DeviceCaps>;
  stopping(): boolean;
  lister(): Promise<PortInfo[]>;
}

export interface FinderOptions {
  path: string;
  reconnectMinMs: number;
  reconnectMaxMs: number;
}

export class Finder {
  private target: PortTarget | null = null;
  private readonly timer: Timer;

  constructor(
    clock: Clock,
    private readonly o: FinderOptions,
    private readonly link: FinderLink,
    private readonly log: Logger,
  ) {
    this.timer = new Timer(clock);
  }

  /** The port in use now (it may change after a replug). */
  get path(): string {
    return this.target?.path ?? this.o.path;
  }

  /** Finds the board the first time. */
  async first(): Promise<DeviceCaps> {
    if (this.o.path === 'auto') return await this.auto();
    this.target = await resolveTarget(this.o.path, () => this.link.lister());
    return await this.link.connect(this.target.path);
  }

  /** `auto`: every port with an Arduino's USB ids, in turn; the first that answers HELLO wins. */
  private async auto(): Promise<DeviceCaps> {
    const ports = (await this.link.lister()).filter((p) => p.likelyArduino);
    if (!ports.length)
      throw new SerialError(
        'No Arduino-like USB serial port found. Plug the board in (a data cable, not a charge-only one), run `botduino ports` to see the ports, or name the port instead of "auto".',
        'no-board',
      );
    const tried: string[] = [];
    let mismatch: MismatchError | null = null;
    for (const p of ports) {
      if (this.link.stopping()) break;
      try {
        this.target = { path: p.path, ...(p.byId ? { byId: p.byId } : {}), ...(p.serialNumber ? { serialNumber: p.serialNumber } : {}) };
        return await this.link.connect(p.path);
      } catch (err) {
        if (err instanceof MismatchError) mismatch ??= err;
        tried.push(`${p.path}: ${(err as Error).message}`);
      }
    }
    if (mismatch) throw mismatch;
    throw new SerialError(
      `No botduino board answered on ${ports.length} port(s) that look like Arduinos.\n${tried.join('\n')}`,
      'no-board',
    );
  }

  /**
   * Finds the board again after a loss, until it answers (`reconnected`), the
   * link stops, or a board with other firmware answers (`mismatch`).
   */
  again(expectId: () => string | undefined, on: { reconnected(path: string): void; mismatch(err: MismatchError): void }): void {
    const attempt = async (delay: number): Promise<void> => {
      if (this.link.stopping() || !this.target) return;
      const paths = await candidatesFor(this.target, () => this.link.lister());
      for (const path of paths) {
        if (this.link.stopping()) return;
        try {
          await this.link.connect(path, expectId());
          this.target.path = path;
          on.reconnected(path);
          return;
        } catch (err) {
          if (err instanceof MismatchError) {
            on.mismatch(err);
            return;
          }
          this.log.debug(`reconnect via ${path} failed: ${(err as Error).message}`);
        }
      }
      schedule(Math.min(delay * 2, this.o.reconnectMaxMs));
    };
    const schedule = (delay: number) => {
      if (this.link.stopping()) return;
      this.timer.start(delay, () => void attempt(delay));
    };
    schedule(this.o.reconnectMinMs);
  }

  stop(): void {
    this.timer.stop();
  }
}
