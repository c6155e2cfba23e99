// botduino firmware: sequence numbers 1..255, wrapping back to 1.
#ifndef BD_SEQ_H
#define BD_SEQ_H

#include <stdint.h>

static inline uint8_t seq_next(uint8_t s) { return s == 255 ? 1 : (uint8_t)(s + 1); }
static inline uint8_t seq_prev(uint8_t s) { return s <= 1 ? 255 : (uint8_t)(s - 1); }
// How far `to` is ahead of `from`, 0..254 (a distance over 127 means behind).
static inline uint8_t seq_ahead(uint8_t from, uint8_t to) {
  uint16_t d = (uint16_t)to + 255 - from;
  return (uint8_t)(d >= 255 ? d - 255 : d);
}

#endif
