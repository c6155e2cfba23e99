// botduino firmware: write-only TWI master (see twi.h).
#include "twi.h"

#include <avr/io.h>

#include "bd_config.h"

#if BD_LCD_I2C

// TWSR status codes of a master transmitter.
#define TW_START 0x08
#define TW_REP_START 0x10
#define TW_SLA_ACK 0x18
#define TW_DATA_ACK 0x28

// Waits for the current bus step (one byte is 90 µs at 100 kHz); gives up
// after about 3 ms.
static bool twi_wait(void) {
  for (uint16_t n = 0; n < 6000; n++)
    if (TWCR & _BV(TWINT)) return true;
  return false;
}

static uint8_t twi_status(void) { return TWSR & 0xF8; }

void twi_begin(uint32_t hz) {
  TWSR = 0;  // prescaler 1
  TWBR = (uint8_t)((F_CPU / hz - 16) / 2);
  TWCR = _BV(TWEN);
}

bool twi_write(uint8_t addr, const uint8_t *bytes, uint8_t len) {
  bool ok = false;
  TWCR = _BV(TWINT) | _BV(TWSTA) | _BV(TWEN);
  if (twi_wait() && (twi_status() == TW_START || twi_status() == TW_REP_START)) {
    TWDR = addr << 1;
    TWCR = _BV(TWINT) | _BV(TWEN);
    ok = twi_wait() && twi_status() == TW_SLA_ACK;
    for (uint8_t i = 0; ok && i < len; i++) {
      TWDR = bytes[i];
      TWCR = _BV(TWINT) | _BV(TWEN);
      ok = twi_wait() && twi_status() == TW_DATA_ACK;
    }
  }
  TWCR = _BV(TWINT) | _BV(TWSTO) | _BV(TWEN);
  for (uint16_t n = 0; n < 6000 && (TWCR & _BV(TWSTO)); n++) {
  }
  return ok;
}

#endif
