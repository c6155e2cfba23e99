/**
 * The serial line between the host and the simulated board's USART, paced in
 * simulated time: each byte takes 10 bit times (start, 8 data, stop), bytes
 * follow one another in order, and a fault hook may drop, change or delay
 * any byte in either direction.
 *
 * The rate is the one the board's USART really makes, from the divisor
 * (UBRR, U2X) its firmware wrote, not the nominal one: 115200 Bd at 16 MHz
 * is 117,647 Bd (85 µs a byte). The host's bytes come at that rate too while
 * the host's nominal rate is close enough for the board to read them (an
 * Uno's USB-serial chip, a 16 MHz 16U2, divides its clock the same way);
 * before the firmware set its USART, and when the rates are too far apart
 * (the bytes then arrive garbled), at the host's nominal rate.
 */
import { EventEmitter } from 'node:events';

export type LineDirection = 'to-board' | 'to-host';

/**
 * What becomes of one byte: the byte to deliver (the same or changed), null
 * to drop it, or `{ byte?, delayUs? }` to change and/or hold it back (the
 * bytes behind it wait too, as on a real wire).
 */
export type FaultAction = number | null | { byte?: number; delayUs?: number };

/** Called for every byte on the line; `index` counts bytes per direction since the board was created. */
export type FaultHook = (dir: LineDirection, byte: number, index: number) => FaultAction;

/** What the line needs from the board (times in CPU cycles). */
export interface LinePeer {
  readonly cpuHz: number;
  now(): number;
  schedule(cycles: number, fn: () => void): void;
  /** Hands a byte to the USART receiver: false when the receiver is off or the board is unplugged. */
  toUsart(byte: number): 'ok' | 'off' | 'overrun';
  /** The rate the firmware set on its USART, or null before it did. */
  usartBaud(): number | null;
}

export interface LineStats {
  /** Bytes that reached the board's USART / the host. */
  toBoard: number;
  toHost: number;
  /** Bytes the fault hook dropped, per direction. */
  droppedToBoard: number;
  droppedToHost: number;
  /** Bytes that arrived while the USART receiver was off. */
  receiverOff: number;
  /** Bytes that arrived before the firmware read the previous one (the older one is lost). */
  overruns: number;
  /** Bytes garbled because the two sides' baud rates differ by more than 4.5 %. */
  garbled: number;
}

const BITS_PER_BYTE = 10;
const BAUD_TOLERANCE = 0.045;

export interface SimSerialEvents {
  /** Bytes from the board that reached the host. */
  data: [Buffer];
  /** Every byte the host wrote has reached the board. */
  idle: [];
}

export class SimSerial extends EventEmitter<SimSerialEvents> {
  /** The host side's line rate (the port's baud rate). */
  hostBaud: number;
  /** Fault injection for tests; null: a perfect line. */
  fault: FaultHook | null = null;
  readonly stats: LineStats = {
    toBoard: 0,
    toHost: 0,
    droppedToBoard: 0,
    droppedToHost: 0,
    receiverOff: 0,
    overruns: 0,
    garbled: 0,
  };

  private queue: number[] = [];
  private sending = false;
  private wireFreeAt = 0;
  private hostArrivalAt = 0;
  private indexToBoard = 0;
  private indexToHost = 0;
  private epoch = 0;

  constructor(
    private readonly peer: LinePeer,
    baud: number,
  ) {
    super();
    this.hostBaud = baud;
  }

  /** Sends bytes from the host to the board; they arrive one by one at the host's rate. */
  write(data: Uint8Array | string): void {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
    for (const b of bytes) this.queue.push(b);
    if (!this.sending) this.sendNext();
  }

  /** Bytes written by the host that have not reached the board yet. */
  get pending(): number {
    return this.queue.length + (this.sending ? 1 : 0);
  }

  /** Forgets bytes not yet delivered in both directions (unplug, flush). */
  clear(): void {
    const wasSending = this.sending;
    this.queue = [];
    this.sending = false;
    this.epoch++;
    if (wasSending) this.emit('idle');
    this.wireFreeAt = 0;
    this.hostArrivalAt = 0;
  }

  /** The rate bytes from the host travel at: the board's real rate when the host's is close to it, else the host's. */
  get lineBaud(): number {
    const board = this.peer.usartBaud();
    return board !== null && !this.mismatch() ? board : this.hostBaud;
  }

  /** Simulated time one byte from the host takes, in µs. */
  get byteTimeUs(): number {
    return (BITS_PER_BYTE * 1e6) / this.lineBaud;
  }

  /** Called by the board when the firmware writes a byte to UDR; `frameCycles` is its time on the wire. */
  fromBoard(byte: number, frameCycles: number): void {
    const action = this.applyFault('to-host', byte, this.indexToHost++);
    if (action === null) {
      this.stats.droppedToHost++;
      return;
    }
    let b = action.byte;
    if (this.mismatch()) {
      b = garble(b);
      this.stats.garbled++;
    }
    const now = this.peer.now();
    const at = Math.max(now + frameCycles + action.delayCycles, this.hostArrivalAt);
    this.hostArrivalAt = at;
    const epoch = this.epoch;
    this.peer.schedule(at - now, () => {
      if (epoch !== this.epoch) return;
      this.stats.toHost++;
      this.emit('data', Buffer.of(b));
    });
  }

  private sendNext(): void {
    const byte = this.queue.shift();
    if (byte === undefined) {
      this.sending = false;
      this.emit('idle');
      return;
    }
    this.sending = true;
    const frame = (BITS_PER_BYTE * this.peer.cpuHz) / this.lineBaud;
    const action = this.applyFault('to-board', byte, this.indexToBoard++);
    const now = this.peer.now();
    const start = Math.max(now, this.wireFreeAt);
    const at = start + frame + (action?.delayCycles ?? 0);
    this.wireFreeAt = at;
    const epoch = this.epoch;
    this.peer.schedule(at - now, () => {
      if (epoch !== this.epoch) return;
      if (action === null) this.stats.droppedToBoard++;
      else this.deliver(action.byte);
      this.sendNext();
    });
  }

  private deliver(byte: number): void {
    let b = byte;
    if (this.mismatch()) {
      b = garble(b);
      this.stats.garbled++;
    }
    const r = this.peer.toUsart(b);
    if (r === 'off') this.stats.receiverOff++;
    else {
      if (r === 'overrun') this.stats.overruns++;
      this.stats.toBoard++;
    }
  }

  private mismatch(): boolean {
    const board = this.peer.usartBaud();
    return board !== null && Math.abs(board - this.hostBaud) / this.hostBaud > BAUD_TOLERANCE;
  }

  private applyFault(dir: LineDirection, byte: number, index: number): { byte: number; delayCycles: number } | null {
    if (!this.fault) return { byte, delayCycles: 0 };
    const a = this.fault(dir, byte, index);
    if (a === null) return null;
    if (typeof a === 'number') return { byte: a & 0xff, delayCycles: 0 };
    return { byte: (a.byte ?? byte) & 0xff, delayCycles: ((a.delayUs ?? 0) * this.peer.cpuHz) / 1e6 };
  }
}

/** What a byte sent at the wrong rate turns into: deterministic nonsense. */
function garble(b: number): number {
  return ((b * 37) ^ 0xa5) & 0xff;
}
