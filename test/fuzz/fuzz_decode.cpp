/*
 * libFuzzer target for the generated protocol decoder (built with
 * -DBD_ALL_KINDS so every kind is decoded and can be re-encoded).
 *
 * Input: the first byte picks a mode, the rest is the line.
 *   even: the line is decoded as it is;
 *   odd:  "*" and the correct CRC are appended first, so the fuzzer
 *         explores the field checks instead of stopping at the CRC.
 * Oracle: whatever bd_decode accepts must re-encode, through the public
 * bd_send_* functions, to exactly the same line (terminator aside); and
 * bd_decode_crc, given the CRC a receiver computes as the bytes come in,
 * must accept and reject exactly as bd_decode does, with the same message.
 * Sanitizers (address, undefined) catch reads past the line or the tables.
 *
 * Build and run by hand:
 *   clang++ -g -O1 -fsanitize=fuzzer,address,undefined -DBD_ALL_KINDS \
 *     -I firmware/runtime -I test/cpp test/fuzz/fuzz_decode.cpp firmware/runtime/bd_protocol.cpp -o fuzz_decode
 *   ./fuzz_decode -max_total_time=60 corpus/
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bd_harness.h"

static uint8_t encoded[BD_MAX_RX_FRAME + 8];
static size_t encoded_len;
static void collect(uint8_t b) {
  if (encoded_len >= sizeof encoded) abort(); /* an encoder wrote more than the longest frame */
  encoded[encoded_len++] = b;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1 || size > BD_MAX_RX_FRAME + 8) return 0;
  bool add_crc = data[0] & 1;
  size_t n = size - 1;
  /* exactly the line's bytes, on the heap, so ASan sees any read past them */
  char *line = (char *)malloc(n + 5 + 1);
  memcpy(line, data + 1, n);
  if (add_crc) {
    uint16_t crc = 0xFFFF;
    for (size_t i = 0; i < n; i++) crc = bd_crc16_update(crc, (uint8_t)line[i]);
    static const char hex[] = "0123456789ABCDEF";
    line[n++] = '*';
    for (int s = 12; s >= 0; s -= 4) line[n++] = hex[(crc >> s) & 15];
  }
  char *exact = (char *)malloc(n ? n : 1);
  memcpy(exact, line, n);
  free(line);

  bd_msg_t msg, msg2;
  memset(&msg, 0xA5, sizeof msg);
  memset(&msg2, 0xA5, sizeof msg2);
  bd_reject_t r = n > BD_MAX_RX_FRAME + 2 ? BD_REJECT_LONG : bd_decode(exact, (bd_len_t)n, &msg);
  uint16_t running = 0xFFFF, star = 0;
  for (size_t i = 0; i < n; i++) {
    if (exact[i] == '*') star = running;
    running = bd_crc16_update(running, (uint8_t)exact[i]);
  }
  bd_reject_t r2 = n > BD_MAX_RX_FRAME + 2 ? BD_REJECT_LONG : bd_decode_crc(exact, (bd_len_t)n, star, &msg2);
  if (r2 != r || msg2.seq != msg.seq || (r == BD_OK && memcmp(&msg, &msg2, sizeof msg) != 0)) abort();
  if (r == BD_OK) {
    bd_dispatch(&msg);
    if (bdh_dispatched != msg.kind) abort();
    encoded_len = 0;
    if (!bdh_encode(&msg, collect)) abort();
    size_t len = n;
    if (len && exact[len - 1] == '\n') len--;
    if (len && exact[len - 1] == '\r') len--;
    if (encoded_len != len + 1 || encoded[len] != '\n' || memcmp(encoded, exact, len) != 0) abort(); /* accepted but not canonical */
  } else if (r > BD_REJECT_ESC) {
    abort();
  }
  free(exact);
  return 0;
}
