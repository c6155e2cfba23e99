// botduino firmware: a millisecond clock on TIMER0 (CTC mode, 1 kHz), in
// place of the Arduino core's millis() and its init(), which sets up every
// timer for PWM the firmware does not use. The firmware has its own main()
// (main.cpp), so the core's main() and init() are not linked.
#ifndef BD_CLOCK_H
#define BD_CLOCK_H

#include <avr/io.h>
#include <stdint.h>

// Starts the clock at 0 (interrupts are enabled by the caller).
void clock_begin(void);
// Milliseconds since clock_begin(): in full, and its low 16 and 8 bits (cheaper).
uint32_t clock_ms(void);
uint16_t clock_ms16(void);
uint8_t clock_ms8(void);
// The 4 µs step within the current millisecond, 0..249 (TIMER0's count): with
// clock_ms8(), for waits of a few ms without blocking (the LCD's clear).
static inline uint8_t clock_tick(void);

static inline uint8_t clock_tick(void) { return TCNT0; }

#endif
