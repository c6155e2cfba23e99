// botduino firmware: what belongs to the board rather than to the link:
// the reset cause, the boot counter and device id in EEPROM, the stack paint
// that measures the least free RAM, the status LED and the buzzer.
//
// Stack paint: before .data and .bss are set up (.init3), every byte from
// the linker symbol `__heap_start` (the end of .bss/.noinit; botduino uses
// no heap) up to `__stack` (RAMEND) is set to BD_STACK_PAINT (0xAA). The
// stack grows down into it; the bytes still painted are RAM never used.
#ifndef BD_BOARD_H
#define BD_BOARD_H

#include <stdint.h>

#include "bd_protocol.h"

#define BD_STACK_PAINT 0xAA

// EEPROM layout: [0] 0xBD when initialized, [1..2] boot counter,
// [3] id length, [4..19] id.
#define BD_EEPROM_MAGIC 0xBD

// Counts this boot in EEPROM, sets up the LED and buzzer pins.
void board_begin(void);
uint16_t board_boot_count(void);
bd_pong_rst_t board_reset_cause(void);
// Copies the device id (up to BD_MAX_DEVICE_ID bytes) and returns its length.
uint8_t board_read_id(uint8_t *id);
void board_store_id(const uint8_t *id, uint8_t len);
// Bytes between the end of static RAM and the deepest the stack has been.
uint16_t board_least_free_ram(void);
void board_led(bool on);
// Sounds the buzzer at `hz` for `ms` (0 Hz or 0 ms: silence).
void board_tone(uint16_t hz, uint16_t ms);
// Ends a tone when its time is up.
void board_poll(void);

#endif
