/**
 * How the bridge's process keeps its garbage collector, set once at start by
 * the botduino command (and by the bench's scale section, which runs the
 * bridge as the command does).
 *
 * V8 "pretenures" the objects of an allocation site once it has seen them
 * all survive a young-generation collection: from then on that site's objects
 * are made in the old generation. A bridge that serves many boards makes the
 * same short-lived objects, message after message (a request's headers, a
 * screen's rows); at a moment when many of them are in flight together, their
 * sites get pretenured for good, and from then on each message leaves garbage
 * in the old generation, which only a full collection (7–26 ms, every message
 * in flight waits) takes back. Measured with 256 boards (bench/scale.ts):
 * with pretenuring off, p99 2.9–3.6 ms instead of 2.5–7.1, RSS 131–141 MB
 * instead of 128–178, half the time collecting, and no full collection in the
 * measured 5 s.
 */
import v8 from 'node:v8';

/** The V8 flags the bridge's process runs with. */
export const BRIDGE_V8_FLAGS = '--no-allocation-site-pretenuring';

/** Turns V8's allocation-site pretenuring off; call it before the bridge starts. */
export function tuneHeap(): void {
  // Read by V8 when it collects and when it compiles, not at start only: set
  // before the bridge's code runs hot, it holds for the whole process.
  v8.setFlagsFromString(BRIDGE_V8_FLAGS);
}
