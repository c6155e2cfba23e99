// botduino firmware: buttons and keypad (see inputs.h).
#include "inputs.h"

#include <util/delay.h>

#include "bd_config.h"
#include "clock.h"
#include "pins.h"

#define NUM_INPUTS (BD_NUM_BUTTONS + BD_NUM_KEYS)
#define SCAN_MS 1

#if NUM_INPUTS > 0

#define F_DOWN 1
#define F_HELD 2
static uint8_t flags[NUM_INPUTS];
static uint16_t changed_at[NUM_INPUTS];  // clock_ms16() of the last reported change
static uint8_t last_scan;

#if BD_NUM_LADDER_CHANNELS > 0
static uint16_t adc_read(uint8_t channel) {
#if defined(MUX5)
  ADCSRB = (channel & 8) ? _BV(MUX5) : 0;
#endif
  ADMUX = _BV(REFS0) | (channel & 7);  // AVcc reference
  ADCSRA |= _BV(ADSC);
  while (ADCSRA & _BV(ADSC)) {
  }
  return ADC;
}
#endif

void inputs_begin(void) {
#define BEGIN_BUTTON(i, p, b) BD_INPUT_PULLUP_(p, b);
  BD_DIGITAL_BUTTONS(BEGIN_BUTTON)
#define BEGIN_LINE(i, p, b) BD_INPUT_PULLUP_(p, b);
  BD_KEYPAD_ROWS(BEGIN_LINE)
  BD_KEYPAD_COLS(BEGIN_LINE)
#if BD_NUM_LADDER_CHANNELS > 0
  ADCSRA = _BV(ADEN) | _BV(ADPS2) | _BV(ADPS1) | _BV(ADPS0);  // 125 kHz ADC clock
#endif
}

static void read_raw(uint8_t *raw) {
#define READ_BUTTON(i, p, b) raw[i] = BD_IS_LOW_(p, b);
  BD_DIGITAL_BUTTONS(READ_BUTTON)
#if BD_NUM_LADDER_CHANNELS > 0
  uint16_t level[BD_NUM_LADDER_CHANNELS];
#define READ_CHANNEL(slot, channel) level[slot] = adc_read(channel);
  BD_LADDER_CHANNELS(READ_CHANNEL)
#define READ_LADDER(i, slot, lo, hi) raw[i] = (uint16_t)(level[slot] - (lo)) <= (uint16_t)((hi) - (lo));
  BD_LADDER_BUTTONS(READ_LADDER)
#endif
#if BD_NUM_KEYS > 0
  uint8_t *key = raw + BD_NUM_BUTTONS;
#define READ_COL(c, p, b) *key++ = BD_IS_LOW_(p, b);
#define READ_ROW(r, p, b) \
  BD_DRIVE_LOW_(p, b);    \
  _delay_us(10);          \
  BD_KEYPAD_COLS(READ_COL) BD_RELEASE_(p, b);
  BD_KEYPAD_ROWS(READ_ROW)
#endif
}

void inputs_poll(void) {
  uint16_t now = clock_ms16();
  if ((uint8_t)((uint8_t)now - last_scan) < SCAN_MS) return;
  last_scan = (uint8_t)now;
  uint8_t raw[NUM_INPUTS];
  read_raw(raw);
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
