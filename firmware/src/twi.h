// botduino firmware: write-only I2C (TWI) master, enough for a PCF8574.
// Much smaller than the Wire library and without its 5 buffers; every wait
// is bounded, so a missing backpack never hangs the firmware.
#ifndef BD_TWI_H
#define BD_TWI_H

#include <stdint.h>

void twi_begin(uint32_t hz);
// Writes `len` bytes to the 7-bit address in one transaction.
// False when the device did not answer (or the bus is stuck).
bool twi_write(uint8_t addr, const uint8_t *bytes, uint8_t len);

#endif
