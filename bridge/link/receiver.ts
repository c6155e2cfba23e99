/**
 * Receive sequencing: the board's boot the link holds receive state for, the
 * seq it expects next from that board, and what to answer each event with
 * (new: ACK it and deliver; duplicate: ACK again, deliver nothing; ahead of
 * what is expected: NAK with the seq expected).
 */
import { decode } from '../../protocol/codec.js';
import type { MessageOf } from '../../protocol/schema.js';
import { classifySeq, nextSeq, prevSeq } from './seq.js';

export type Reply = MessageOf<'ACK'> | MessageOf<'NAK'>;

export class Receiver {
  /** The board's boot counter receive state is held for. */
  private boot: string | null = null;
  private expect = 1;

  /** The seq expected next from the board (the `exp` of a NAK). */
  get expected(): number {
    return this.expect;
  }

  /**
   * The HELLO that completes a handshake: a new boot, or a board whose oldest
   * unacknowledged event is past what is expected (someone else acknowledged
   * the ones between): either way, expect what it sends next.
   */
  handshake(boot: string, txb: number): void {
    if (boot !== this.boot || classifySeq(txb, this.expect) === 'ahead') {
      this.boot = boot;
      this.expect = txb;
    }
  }

  /**
   * A HELLO while online: true when it is from a new boot (the board reset), whose events start at `txb`.
   * From the same boot (the answer to the WHO sent when a PONG showed the reset), its oldest
   * unacknowledged event `txb` is adopted when it is ahead of what is expected.
   */
  hello(boot: string, txb: number): boolean {
    if (boot === this.boot) {
      if (classifySeq(txb, this.expect) === 'ahead') this.expect = txb;
      return false;
    }
    this.boot = boot;
    this.expect = txb;
    return true;
  }

  /**
   * A PONG: true when its boot counter is new, with no HELLO seen (the board reset and its HELLO was
   * lost on the line, as in a brownout). A board's first event after boot has seq 1.
   */
  pong(boot: string): boolean {
    if (this.boot === null || boot === this.boot) return false;
    this.boot = boot;
    this.expect = 1;
    return true;
  }

  /** The answer to a duplicate: the cumulative ACK of what was delivered. */
  reack(): Reply {
    return { kind: 'ACK', seq: prevSeq(this.expect) };
  }

  /** An event with `seq`: whether it is new (to deliver) or a duplicate, and the answer to send. */
  take(seq: number): { deliver: boolean; duplicate: boolean; reply: Reply } {
    const where = classifySeq(seq, this.expect);
    if (where === 'ahead') return { deliver: false, duplicate: false, reply: { kind: 'NAK', seq, why: 'order', exp: this.expect } };
    if (where === 'duplicate') return { deliver: false, duplicate: true, reply: this.reack() };
    this.expect = nextSeq(this.expect);
    return { deliver: true, duplicate: false, reply: { kind: 'ACK', seq } };
  }
}

/**
 * Whether a rejected line arrived as it was sent (its "*CRC" tail is there and
 * right), so that its fields, not the line, are at fault: another firmware's
 * HELLO. A line garbled on the way is not, even when it fails on another check first.
 */
export function framedIntact(line: string, reason: string): boolean {
  if (reason === 'crc' || reason === 'trunc') return false;
  if (reason !== 'long') return true;
  const again = decode(line);
  return again.ok || (again.reason !== 'crc' && again.reason !== 'trunc');
}
