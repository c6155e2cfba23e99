// botduino firmware: the millisecond clock (see clock.h).
#include "clock.h"

#include <avr/interrupt.h>
#include <avr/io.h>
#include <util/atomic.h>

static volatile uint32_t ms;

ISR(TIMER0_COMPA_vect) { ms++; }

#define TICKS_PER_MS (F_CPU / 64 / 1000)

void clock_begin(void) {
  // 16 MHz / 64 / 250 = 1 kHz
  OCR0A = TICKS_PER_MS - 1;
  TCCR0A = _BV(WGM01);
  TCCR0B = _BV(CS01) | _BV(CS00);
  TIMSK0 = _BV(OCIE0A);
}

uint32_t clock_ms(void) {
  uint32_t t;
  ATOMIC_BLOCK(ATOMIC_RESTORESTATE) { t = ms; }
  return t;
}

uint16_t clock_ms16(void) {
  uint16_t t;
  ATOMIC_BLOCK(ATOMIC_RESTORESTATE) { t = (uint16_t)ms; }
  return t;
}

// The low byte (the AVR is little-endian) is read in one go: no need to hold the interrupt off.
uint8_t clock_ms8(void) { return *(volatile uint8_t *)&ms; }
