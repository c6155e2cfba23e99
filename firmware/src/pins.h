// botduino firmware: pin access by AVR port letter and bit.
//
// The generated config header names every pin as "<port letter>, <bit>"
// (e.g. `#define BD_LCD_RS B, 0`), so each access below compiles to one
// sbi/cbi/sbis instruction on the low I/O ports, with no pin tables.
#ifndef BD_PINS_H
#define BD_PINS_H

#include <avr/io.h>

#define BD_OUTPUT(pin) BD_OUTPUT_(pin)
#define BD_OUTPUT_(p, b) (DDR##p |= _BV(b))
#define BD_INPUT_PULLUP(pin) BD_INPUT_PULLUP_(pin)
#define BD_INPUT_PULLUP_(p, b) (DDR##p &= (uint8_t)~_BV(b), PORT##p |= _BV(b))
#define BD_HIGH(pin) BD_HIGH_(pin)
#define BD_HIGH_(p, b) (PORT##p |= _BV(b))
#define BD_LOW(pin) BD_LOW_(pin)
#define BD_LOW_(p, b) (PORT##p &= (uint8_t)~_BV(b))
#define BD_WRITE(pin, on) BD_WRITE_(pin, on)
#define BD_WRITE_(p, b, on) ((on) ? (PORT##p |= _BV(b)) : (PORT##p &= (uint8_t)~_BV(b)))
#define BD_TOGGLE(pin) BD_TOGGLE_(pin)
#define BD_TOGGLE_(p, b) (PORT##p ^= _BV(b))
#define BD_IS_LOW(pin) BD_IS_LOW_(pin)
#define BD_IS_LOW_(p, b) (!(PIN##p & _BV(b)))
// Keypad rows: driven low, or released (input with pull-up) while another row is scanned.
#define BD_DRIVE_LOW(pin) BD_DRIVE_LOW_(pin)
#define BD_DRIVE_LOW_(p, b) (PORT##p &= (uint8_t)~_BV(b), DDR##p |= _BV(b))
#define BD_RELEASE(pin) BD_RELEASE_(pin)
#define BD_RELEASE_(p, b) (DDR##p &= (uint8_t)~_BV(b), PORT##p |= _BV(b))

#endif
