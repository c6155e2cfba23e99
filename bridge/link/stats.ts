/**
 * A link's counters (frames and bytes each way, rejects, boot noise,
 * duplicates, reconnects, heartbeats, the board's own health from its last
 * PONG) and the LinkStats snapshot made of them and of the sender's.
 */
import type { MessageOf } from '../../protocol/schema.js';
import type { Sender } from './sender.js';
import type { DeviceHealth, LinkState, LinkStats } from './types.js';

export class LinkCounters {
  framesIn = 0;
  framesOut = 0;
  bytesIn = 0;
  bytesOut = 0;
  readonly rejects = { crc: 0, long: 0, kind: 0, field: 0, trunc: 0, esc: 0 };
  bootNoise = 0;
  duplicates = 0;
  reconnects = 0;
  pingsSent = 0;
  pongs = 0;
  device: DeviceHealth | null = null;

  /** A PONG: the board's health as it reports it. */
  pong(msg: MessageOf<'PONG'>): void {
    this.pongs++;
    this.device = {
      rejects: { crc: msg.crc, long: msg.long, kind: msg.badkind, field: msg.field, trunc: msg.trunc, esc: msg.esc },
      overflows: msg.ovf,
      dropped: msg.drop,
      retransmits: msg.retx,
      freeRam: msg.ram,
      uptimeMs: msg.up,
      resetCause: msg.rst,
      boot: msg.boot,
    };
  }

  snapshot(state: LinkState, tx: Sender): LinkStats {
    return {
      state,
      framesIn: this.framesIn,
      framesOut: this.framesOut,
      bytesIn: this.bytesIn,
      bytesOut: this.bytesOut,
      retransmits: tx.retransmits,
      rejects: { ...this.rejects },
      naks: { ...tx.naks },
      bootNoise: this.bootNoise,
      duplicates: this.duplicates,
      reconnects: this.reconnects,
      rtt: { lastMs: tx.win.lastRtt, avgMs: tx.win.avgRtt },
      queueDepth: tx.queueDepth,
      inFlightBytes: tx.win.bytes,
      pingsSent: this.pingsSent,
      pongs: this.pongs,
      device: this.device,
    };
  }
}
