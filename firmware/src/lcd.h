// botduino firmware: HD44780 character LCD, 4-bit parallel or through a
// PCF8574 I2C backpack, written WITHOUT blocking the serial line.
//
// Screen commands are put in a small queue (lcd_text, lcd_clear, …) and
// written to the LCD by lcd_poll(), called from the main loop: on the
// parallel bus a few bytes per call (~50 µs each), through the backpack as
// many as the I2C queue takes (the TWI interrupt sends them, batched into
// one transaction); it returns at once while the LCD or the bus is busy.
// Check lcd_room() before queuing: a command that does not fit is never
// queued half.
#ifndef BD_LCD_H
#define BD_LCD_H

#include <stdint.h>

#include "bd_config.h"

// Queue bytes the biggest single command needs (TXT of BD_MAX_TEXT, with
// its address and the cursor put back).
#define BD_LCD_WORST_COMMAND 25

// Initializes the LCD (blocking, ~60 ms: call once at boot).
void lcd_begin(void);
// True when the queue has room for any one command.
bool lcd_room(void);
// Writes ROM codes at a row and column; clipped at the end of the row.
void lcd_text(uint8_t row, uint8_t col, const uint8_t *codes, uint8_t len);
void lcd_clear(void);
// mode: 0 off, 1 underline, 2 blinking block (the display on); 3: the display
// off, what it holds kept (until the next lcd_cursor).
void lcd_cursor(uint8_t mode, uint8_t row, uint8_t col);
// Defines custom glyph `slot` (0–7) from 8 pixel rows.
void lcd_glyph(uint8_t slot, const uint8_t rows[8]);
void lcd_backlight(bool on);
// A line from the host has begun (its first byte) / has been handled.
// Through the backpack the bus is opened at once, so that the start and the
// address (0.1 ms at 100 kHz) go while the rest of the line comes, and kept
// between the line's commands; on the parallel bus nothing.
#if BD_LCD_I2C
#include "twi.h"
static inline void lcd_line_begins(void) { twi_open(); }
static inline void lcd_line_done(void) { twi_release(); }
#else
static inline void lcd_line_begins(void) {}
static inline void lcd_line_done(void) {}
#endif
// Writes queued bytes while the LCD (or the I2C queue) takes them; waits
// only the 40 µs between the bytes of a parallel burst.
void lcd_poll(void);

#endif
