/*
 * Conformance runner for the generated protocol runtime.
 *
 * Reads one line per input frame on stdin, the frame's bytes in hex (any
 * terminator included), decodes it with bd_decode(), dispatches it, and
 * writes one JSON object per frame on stdout:
 *   {"ok":true,"seq":7,"reliable":true,"msg":{...},"line":"<hex>"}   accepted;
 *     "msg" is what the bd_on_* handler received, "line" its re-encoding
 *     with bd_send_* (null when this build has no encoder for the kind)
 *   {"ok":false,"reason":"crc","seq":0}                               rejected
 * Every line is also decoded with bd_decode_crc(), given the CRC a receiver
 * computes as the bytes come in; where it differs from bd_decode() in any
 * way, the answer is {"ok":false,"reason":"bd_decode_crc differs","seq":0}.
 * Built for the host by test/cpp/build.ts, with or without -DBD_ALL_KINDS.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bd_harness.h"

static const char *const REASONS[] = {"ok", "crc", "long", "kind", "field", "trunc", "esc"};

static char encoded[2048];
static size_t encoded_len;
static void collect(uint8_t b) {
  if (encoded_len < sizeof encoded) encoded[encoded_len++] = (char)b;
}

static int hex_digit(int c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

int main() {
  static char hex[8192];
  static char frame[4096];
  while (fgets(hex, sizeof hex, stdin)) {
    size_t n = 0;
    for (size_t i = 0; hex_digit(hex[i]) >= 0 && hex_digit(hex[i + 1]) >= 0 && n < sizeof frame; i += 2)
      frame[n++] = (char)(hex_digit(hex[i]) << 4 | hex_digit(hex[i + 1]));
    bd_msg_t msg;
    memset(&msg, 0xA5, sizeof msg);
    bdh_dispatched = -1;
    /* a line longer than bd_len_t counts is long before bd_decode sees it, and has no seq */
    bd_reject_t r = BD_REJECT_LONG;
    if (n > (bd_len_t)-1)
      msg.seq = 0;
    else
      r = bd_decode(frame, (bd_len_t)n, &msg);
    /* the receiver's way: the CRC as the bytes come in, as it was before the last "*" */
    uint16_t running = 0xFFFF, star = 0;
    for (size_t i = 0; i < n; i++) {
      if (frame[i] == '*') star = running;
      running = bd_crc16_update(running, (uint8_t)frame[i]);
    }
    bd_msg_t msg2;
    memset(&msg2, 0xA5, sizeof msg2);
    bd_reject_t r2 = n > (bd_len_t)-1 ? BD_REJECT_LONG : bd_decode_crc(frame, (bd_len_t)n, star, &msg2);
    if (n > (bd_len_t)-1) msg2.seq = 0;
    if (r2 != r || msg2.seq != msg.seq || (r == BD_OK && memcmp(&msg, &msg2, sizeof msg) != 0)) {
      printf("{\"ok\":false,\"reason\":\"bd_decode_crc differs\",\"seq\":0}\n");
      continue;
    }
    if (r != BD_OK) {
      printf("{\"ok\":false,\"reason\":\"%s\",\"seq\":%u}\n", REASONS[r], msg.seq);
      continue;
    }
    bd_dispatch(&msg);
    printf("{\"ok\":true,\"seq\":%u,\"reliable\":%s,\"dispatched\":%s,\"msg\":", msg.seq,
           bd_kind_reliable(msg.kind) ? "true" : "false", bdh_dispatched == msg.kind ? "true" : "false");
    bdh_print(&bdh_last);
    encoded_len = 0;
    if (bdh_encode(&msg, collect)) {
      printf(",\"line\":\"");
      for (size_t i = 0; i < encoded_len; i++) printf("%02X", (unsigned char)encoded[i]);
      printf("\"}\n");
    } else {
      printf(",\"line\":null}\n");
    }
  }
  return 0;
}
