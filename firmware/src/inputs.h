// botduino firmware: buttons (digital, or on an analog resistor ladder) and
// a matrix keypad, each key debounced on its own. Looked at on every pass of
// the main loop (digital pins, the keypad's columns with every row low, the
// ladder's latest ADC conversion, which never waits for the ADC), so that a
// change is noticed within a pass (a ladder: within two 104 µs conversions);
// evaluated in full on a change and once a millisecond.
//
// Debounce on the leading edge: a change is reported at once, then further
// changes of that key are ignored for BD_DEBOUNCE_MS. A key still down
// BD_HOLD_MS after it went down reports a hold, once.
#ifndef BD_INPUTS_H
#define BD_INPUTS_H

#include <stdint.h>

#define BD_INPUT_DOWN 0
#define BD_INPUT_UP 1
#define BD_INPUT_HOLD 2

void inputs_begin(void);
void inputs_poll(void);

// Called by inputs_poll for every change: `index` below BD_NUM_BUTTONS is a
// button, from there on a keypad key (in layout order). Defined by the link.
void on_input(uint8_t index, uint8_t action);

#endif
