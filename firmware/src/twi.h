// botduino firmware: write-only I2C (TWI) master for one device (the LCD's
// PCF8574 backpack), driven by the TWI interrupt so that writing never
// blocks the main loop. Much smaller than the Wire library and without its
// 5 buffers.
//
// Bytes are queued (twi_put) and sent by the interrupt; bytes queued back to
// back go out in one transaction (start, address, the bytes, stop), ended when
// the queue runs dry, unless twi_open() said more is coming (the bus is then
// held until it comes, for ~3 ms at most). A device that does not answer
// loses the queued bytes; a bus stuck for ~3 ms is reset: neither ever hangs
// the firmware.
#ifndef BD_TWI_H
#define BD_TWI_H

#include <stdint.h>

// Sets the SCL frequency (100 kHz: the PCF8574's rating; up to 400 kHz) and
// the 7-bit address every transaction goes to.
void twi_begin(uint32_t hz, uint8_t addr);
// Free bytes in the queue.
uint8_t twi_room(void);
// Queues one byte; call only when twi_room() is not 0, then twi_poll().
void twi_put(uint8_t byte);
// Starts a transaction when bytes wait and the bus is free; resets a stuck
// bus. Call from the main loop (returns at once).
void twi_poll(void);
// Opens a transaction now (start, address) if none is running, and keeps
// the running one open when the queue runs dry (SCL held low, for a few ms
// at most), because bytes are coming; twi_release() ends that.
void twi_open(void);
void twi_release(void);
// True when every queued byte is out and the stop condition is done.
bool twi_idle(void);
// Waits until twi_idle() (at most a few ms): for the LCD's start-up only.
void twi_flush(void);

#endif
