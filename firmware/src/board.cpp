// botduino firmware: reset cause, EEPROM, stack paint, LED, buzzer (see board.h).
#include "board.h"

#include <avr/eeprom.h>
#include <avr/interrupt.h>
#include <avr/wdt.h>

#include "bd_config.h"
#include "clock.h"
#include "pins.h"

extern uint8_t __heap_start;
extern uint8_t __stack;

// Kept out of .bss so that its clearing does not erase it.
static uint8_t reset_flags __attribute__((section(".noinit")));
static uint16_t boot_count;

// Runs in .init3: the stack pointer is set, .data and .bss not yet; no call
// has been made, so nothing on the stack is overwritten.
extern "C" void bd_stack_paint(void) __attribute__((naked, used, section(".init3")));
extern "C" void bd_stack_paint(void) {
  reset_flags = MCUSR;
  MCUSR = 0;
  wdt_disable();
  for (uint8_t *p = &__heap_start; p <= &__stack; p++) *p = BD_STACK_PAINT;
}

#define EE_MAGIC ((uint8_t *)0)
#define EE_BOOT ((uint16_t *)1)
#define EE_ID_LEN ((uint8_t *)3)
#define EE_ID ((uint8_t *)4)

void board_begin(void) {
  if (eeprom_read_byte(EE_MAGIC) != BD_EEPROM_MAGIC) {
    eeprom_update_word(EE_BOOT, 0);
    eeprom_update_byte(EE_ID_LEN, 0);
    eeprom_update_byte(EE_MAGIC, BD_EEPROM_MAGIC);
  }
  boot_count = eeprom_read_word(EE_BOOT) + 1;
  eeprom_update_word(EE_BOOT, boot_count);
#if BD_HAS_LED
  BD_OUTPUT(BD_LED);
#endif
#if BD_HAS_BUZZER
  BD_OUTPUT(BD_BUZZER);
#endif
}

uint16_t board_boot_count(void) { return boot_count; }

bd_pong_rst_t board_reset_cause(void) {
  if (reset_flags & _BV(PORF)) return BD_PONG_RST_POWER;
  if (reset_flags & _BV(WDRF)) return BD_PONG_RST_WATCHDOG;
  if (reset_flags & _BV(BORF)) return BD_PONG_RST_BROWNOUT;
  if (reset_flags & _BV(EXTRF)) return BD_PONG_RST_EXTERNAL;
  return BD_PONG_RST_UNKNOWN;  // e.g. a bootloader that cleared MCUSR
}

uint8_t board_read_id(uint8_t *id) {
  uint8_t len = eeprom_read_byte(EE_ID_LEN);
  if (len > BD_MAX_DEVICE_ID) len = 0;
  eeprom_read_block(id, EE_ID, len);
  return len;
}

void board_store_id(const uint8_t *id, uint8_t len) {
  eeprom_update_block(id, EE_ID, len);
  eeprom_update_byte(EE_ID_LEN, len);
}

uint16_t board_least_free_ram(void) {
  const uint8_t *p = &__heap_start;
  const uint8_t *sp = (const uint8_t *)SP;
  while (p < sp && *p == BD_STACK_PAINT) p++;
  return (uint16_t)(p - &__heap_start);
}

void board_led(bool on) {
#if BD_HAS_LED
  BD_WRITE(BD_LED, on);
#else
  (void)on;
#endif
}

#if BD_HAS_BUZZER
// TIMER2 in CTC mode toggles the buzzer pin at twice the frequency.
static bool tone_on;
static uint16_t tone_start, tone_ms;  // clock_ms16() at its start, and its length

ISR(TIMER2_COMPA_vect) { BD_TOGGLE(BD_BUZZER); }

static void tone_stop(void) {
  TIMSK2 = 0;
  TCCR2B = 0;
  BD_LOW(BD_BUZZER);
  tone_on = false;
}

void board_tone(uint16_t hz, uint16_t ms) {
  tone_stop();
  if (!hz || !ms) return;
  // Prescalers 1, 8, 32, 64, 128, 256, 1024 are clock selects 1..7.
  static const uint8_t shift[] = {0, 3, 5, 6, 7, 8, 10};
  uint32_t half = F_CPU / 2 / hz;
  uint8_t cs = 0;
  while (cs < 6 && (half >> shift[cs]) > 256) cs++;
  uint32_t top = half >> shift[cs];
  OCR2A = top > 256 ? 255 : (uint8_t)(top - 1);
  TCCR2A = _BV(WGM21);
  TCNT2 = 0;
  TCCR2B = cs + 1;
  TIMSK2 = _BV(OCIE2A);
  tone_start = clock_ms16();
  tone_ms = ms;
  tone_on = true;
}

void board_poll(void) {
  if (tone_on && (uint16_t)(clock_ms16() - tone_start) >= tone_ms) tone_stop();
}
#else
void board_tone(uint16_t hz, uint16_t ms) {
  (void)hz;
  (void)ms;
}
void board_poll(void) {}
#endif
