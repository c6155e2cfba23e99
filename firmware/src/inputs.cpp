// botduino firmware: buttons and keypad (see inputs.h).
#include "inputs.h"

#include <util/delay.h>

#include "bd_config.h"
#include "clock.h"
#include "pins.h"

#define NUM_INPUTS (BD_NUM_BUTTONS + BD_NUM_KEYS)

#if NUM_INPUTS > 0

#define F_DOWN 1
#define F_HELD 2
static uint8_t flags[NUM_INPUTS];
static uint16_t changed_at[NUM_INPUTS];  // clock_ms16() of the last reported change
static uint8_t last_ms;                  // clock_ms8() of the last evaluation

#ifndef BD_NUM_DIGITAL_BUTTONS  // a bd_config.h from before it was counted
#define BD_NUM_DIGITAL_BUTTONS 1
#endif
#if BD_NUM_DIGITAL_BUTTONS > 0
static uint8_t digital_seen;  // the digital buttons down (a bit each) at the last evaluation
#define DIGITAL_BIT(i, p, b) | (BD_IS_LOW_(p, b) ? 1 << (i) : 0)
static uint8_t digital_now(void) { return (uint8_t)(0 BD_DIGITAL_BUTTONS(DIGITAL_BIT)); }
#endif

#if BD_NUM_LADDER_CHANNELS > 0
// The ADC converts one ladder channel after the other without being waited
// for: a conversion (104 µs) is started, and its result picked up by a later
// pass of the main loop, which starts the next one.
static uint16_t level[BD_NUM_LADDER_CHANNELS];  // each channel's latest conversion
#if BD_NUM_LADDER_CHANNELS > 1
static uint8_t adc_slot;  // the channel being converted
#else
#define adc_slot 0
#endif

static void adc_start(uint8_t channel) {
#if defined(MUX5)
  ADCSRB = (channel & 8) ? _BV(MUX5) : 0;
#endif
  ADMUX = _BV(REFS0) | (channel & 7);  // AVcc reference
  ADCSRA |= _BV(ADSC);
}
#define START_SLOT(slot, channel) \
  if (adc_slot == (slot)) adc_start(channel);

// True when a conversion has ended (its level taken, the next one started).
static bool adc_poll(void) {
  if (ADCSRA & _BV(ADSC)) return false;
  level[adc_slot] = ADC;
#if BD_NUM_LADDER_CHANNELS > 1
  if (++adc_slot == BD_NUM_LADDER_CHANNELS) adc_slot = 0;
  BD_LADDER_CHANNELS(START_SLOT)
#else
  ADCSRA |= _BV(ADSC);  // the one channel again
#endif
  return true;
}
#endif

#if BD_NUM_KEYS > 0
// Between scans every keypad row is driven low, so a key going down (or up)
// changes its column at once: a look at the columns on every pass notices
// it, and only then (or once a millisecond) are the rows scanned one by one.
static uint8_t cols_seen;  // the columns low (a bit each) at the last scan

#define COL_BIT(c, p, b) | (BD_IS_LOW_(p, b) ? 1 << (c) : 0)
static uint8_t cols_now(void) { return (uint8_t)(0 BD_KEYPAD_COLS(COL_BIT)); }

#define ROW_LOW(r, p, b) BD_DRIVE_LOW_(p, b);
#define ROW_RELEASE(r, p, b) BD_RELEASE_(p, b);
#endif

void inputs_begin(void) {
#define BEGIN_BUTTON(i, p, b) BD_INPUT_PULLUP_(p, b);
  BD_DIGITAL_BUTTONS(BEGIN_BUTTON)
#if BD_NUM_KEYS > 0
#define BEGIN_COL(c, p, b) BD_INPUT_PULLUP_(p, b);
  BD_KEYPAD_COLS(BEGIN_COL)
  BD_KEYPAD_ROWS(ROW_LOW)
#endif
#if BD_NUM_LADDER_CHANNELS > 0
  for (uint8_t i = 0; i < BD_NUM_LADDER_CHANNELS; i++) level[i] = 0xFFFF;  // in no button's range
  ADCSRA = _BV(ADEN) | _BV(ADPS2) | _BV(ADPS1) | _BV(ADPS0);               // 125 kHz ADC clock
  BD_LADDER_CHANNELS(START_SLOT)
#endif
}

// The inputs as they are; the keypad's rows are scanned when `scan_keys`,
// else its keys are taken as they were last reported.
static void read_raw(uint8_t *raw, bool scan_keys) {
  (void)scan_keys;
#define READ_BUTTON(i, p, b) raw[i] = BD_IS_LOW_(p, b);
  BD_DIGITAL_BUTTONS(READ_BUTTON)
#if BD_NUM_LADDER_CHANNELS > 0
#define READ_LADDER(i, slot, lo, hi) raw[i] = (uint16_t)(level[slot] - (lo)) <= (uint16_t)((hi) - (lo));
  BD_LADDER_BUTTONS(READ_LADDER)
#endif
#if BD_NUM_KEYS > 0
  uint8_t *key = raw + BD_NUM_BUTTONS;
  if (!scan_keys) {
    for (uint8_t i = BD_NUM_BUTTONS; i < NUM_INPUTS; i++) *key++ = flags[i] & F_DOWN;
    return;
  }
  uint8_t seen = 0;
#define READ_COL(c, p, b) \
  if ((*key++ = BD_IS_LOW_(p, b))) seen |= 1 << (c);
#define READ_ROW(r, p, b) \
  BD_DRIVE_LOW_(p, b);    \
  _delay_us(10);          \
  BD_KEYPAD_COLS(READ_COL) BD_RELEASE_(p, b);
  BD_KEYPAD_ROWS(ROW_RELEASE)
  BD_KEYPAD_ROWS(READ_ROW)
  BD_KEYPAD_ROWS(ROW_LOW)
  cols_seen = seen;
#endif
}

void inputs_poll(void) {
  uint8_t ms = clock_ms8();
  bool tick = ms != last_ms;  // a new millisecond: holds and debounce ends are due
  bool moved = tick;
#if BD_NUM_DIGITAL_BUTTONS > 0
  uint8_t digital = digital_now();
  moved |= digital != digital_seen;
#endif
#if BD_NUM_LADDER_CHANNELS > 0
  moved |= adc_poll();
#endif
  bool scan_keys = tick;
#if BD_NUM_KEYS > 0
  scan_keys |= cols_now() != cols_seen;
  moved |= scan_keys;
#endif
  if (!moved) return;
  last_ms = ms;
#if BD_NUM_DIGITAL_BUTTONS > 0
  digital_seen = digital;
#endif
  uint8_t raw[NUM_INPUTS];
  read_raw(raw, scan_keys);
  uint16_t now = clock_ms16();
  for (uint8_t i = 0; i < NUM_INPUTS; i++) {
    uint8_t f = flags[i];
    uint16_t age = now - changed_at[i];
    if (age > 0x7000) changed_at[i] = now - 0x7000;  // keep ages from wrapping
    if (raw[i] != (f & F_DOWN)) {
      if (age < BD_DEBOUNCE_MS) continue;
      f = raw[i];
      changed_at[i] = now;
      on_input(i, f ? BD_INPUT_DOWN : BD_INPUT_UP);
    } else if (f == F_DOWN && age >= BD_HOLD_MS) {
      f |= F_HELD;
      on_input(i, BD_INPUT_HOLD);
    }
    flags[i] = f;
  }
}

#else
void inputs_begin(void) {}
void inputs_poll(void) {}
#endif
