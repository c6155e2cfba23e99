/**
 * Sequence numbers of reliable frames: 1..255, wrapping back to 1 (0 is
 * never a reliable seq). See the reliability rules in protocol/schema.ts.
 */

/** The seq after `s`. */
export function nextSeq(s: number): number {
  return s >= 255 ? 1 : s + 1;
}

/** The seq before `s`. */
export function prevSeq(s: number): number {
  return s <= 1 ? 255 : s - 1;
}

/** How many steps forward from `from` to `to` (0..254). */
export function seqDistance(from: number, to: number): number {
  return (((to - from) % 255) + 255) % 255;
}

/**
 * Where a received reliable seq stands against the one expected next:
 * 'next' (apply it), 'duplicate' (behind by 1..127: re-ACK, don't apply),
 * or 'ahead' (a frame went missing: NAK so the sender goes back).
 */
export function classifySeq(seq: number, expected: number): 'next' | 'duplicate' | 'ahead' {
  if (seq === expected) return 'next';
  const behind = seqDistance(seq, expected);
  return behind >= 1 && behind <= 127 ? 'duplicate' : 'ahead';
}
