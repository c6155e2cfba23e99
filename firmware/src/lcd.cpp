// botduino firmware: HD44780 driver with a write queue (see lcd.h).
#include "lcd.h"

#include <util/delay.h>

#include "bd_config.h"
#include "clock.h"
#include "pins.h"
#include "twi.h"

// HD44780 instructions.
#define LCD_CLEAR 0x01
#define LCD_ENTRY_INCREMENT 0x06
#define LCD_DISPLAY 0x08  // | 4 display on, | 2 cursor underline, | 1 blink
#define LCD_DISPLAY_ON 0x04
#define LCD_FUNCTION_4BIT 0x20  // | 8 two lines
#define LCD_SET_CGRAM 0x40
#define LCD_SET_DDRAM 0x80
// Microseconds an instruction or character keeps the controller busy: 37 µs
// rated (HD44780U datasheet, at its typical 270 kHz clock), + 3 µs (8 %), from
// the latch of a byte's second half to that of the next byte's first half. On
// the parallel bus it is timed on TIMER1 to the 0.5 µs (waited for between the
// bytes of a burst, else without blocking); through the backpack the bus
// itself takes longer. A clear (or home) takes 1.52 ms,
// waited for without blocking: 1.6 ms (through the backpack on the clock's
// 4 µs steps, from when the bus has sent it).
#define LCD_BUSY_US 40
#define LCD_BUSY_CLEAR_US 2000
#define LCD_CLEAR_US 1600
#define LCD_CLEAR_STEPS (LCD_CLEAR_US / 4)

// The queue: records of [n, n bytes] (characters, n = 1..63), or
// [Q_CMD, instruction], or [Q_BACKLIGHT, on].
#define Q_SIZE 64
#define Q_CMD 0x80
#define Q_BACKLIGHT 0x81
static uint8_t q[Q_SIZE];
static uint8_t q_head, q_tail;  // free-running; head - tail is the fill
static uint8_t q_run;           // characters left in the record being written
#if BD_LCD_I2C
static uint8_t clear_ms, clear_tick;  // clock_ms8() and clock_tick() when the running clear reached the LCD
// A clear is sent on the bus, then runs 1.52 ms in the LCD; nothing is written meanwhile.
#define CLEAR_NONE 0
#define CLEAR_SENDING 1
#define CLEAR_RUNNING 2
static uint8_t clear_state;
#endif

static uint8_t cursor_mode;  // 0 off, 1 underline, 2 blinking block
static uint8_t cursor_addr;  // DDRAM address of the cursor

// Through the backpack an instruction costs four bus bytes (0.36 ms at 100
// kHz), so the queue keeps track of where the controller's address counter
// will be, and text that goes on where the last text ended (the next run of a
// row, or on a 20×4 row 2 after row 0 and row 3 after row 1, which continue
// them in DDRAM) is sent without setting the address again. On the parallel
// bus an instruction is 40 µs: not worth the flash.
#define LCD_TRACK_AC BD_LCD_I2C
#if LCD_TRACK_AC
#define AC_UNKNOWN 0xFF
static uint8_t ac = AC_UNKNOWN;  // the address counter once the queue is written

// Where the address counter is after `len` characters from `addr`: in two-line
// mode 0x27 is followed by 0x40 and 0x67 by 0x00, in one-line mode 0x4F by 0x00.
static uint8_t ac_after(uint8_t addr, uint8_t len) {
  uint8_t a = (uint8_t)(addr + len);
#if BD_LCD_ROWS > 1
  if (addr < 0x40) return a >= 0x28 ? (uint8_t)(a + 0x18) : a;
  return a >= 0x68 ? (uint8_t)(a - 0x68) : a;
#else
  return a >= 0x50 ? (uint8_t)(a - 0x50) : a;
#endif
}
#endif

static uint8_t ddram(uint8_t row, uint8_t col) {
  // 2 rows: 0x00, 0x40; 4 rows continue each line: +cols (20×4: 0x14, 0x54)
  return (row & 1 ? 0x40 : 0) + (row & 2 ? BD_LCD_COLS : 0) + col;
}

// ---- the bus: 4-bit parallel, or a PCF8574 (P0 RS, P1 RW, P2 E, P3 light, P4–P7 D4–D7)

#if BD_LCD_I2C
static uint8_t light = BD_LCD_HAS_BACKLIGHT ? 0x08 : 0;

// Bus bytes are queued for the TWI interrupt; E high then low latches each
// nibble. At 100 kHz a bus byte takes 90 µs (at 400 kHz 22.5 µs, so the next
// LCD byte's first nibble is latched 45 µs after the last): the HD44780's
// 37 µs per byte is met by the bus itself.
static void bus_nibble(uint8_t nibble) {
  twi_put((uint8_t)((nibble << 4) | light | 0x04));
  twi_put((uint8_t)((nibble << 4) | light));
  twi_poll();
}

// Bus bytes one LCD byte needs.
#define BUS_BYTE_LEN 4

static void bus_byte(uint8_t v, uint8_t rs) {
  uint8_t hi = (v & 0xF0) | light | rs;
  uint8_t lo = (uint8_t)(v << 4) | light | rs;
  twi_put(hi | 0x04);
  twi_put(hi);
  twi_put(lo | 0x04);
  twi_put(lo);
  twi_poll();
}

// Keeps the bus going: starts a transaction for what waits.
static void bus_poll(void) { twi_poll(); }

static bool bus_ready(void) { return twi_room() >= BUS_BYTE_LEN; }

// True when everything written has reached the LCD.
static bool bus_done(void) { return twi_idle(); }

static void bus_flush(void) { twi_flush(); }

static void bus_backlight(uint8_t on) {
  light = on ? 0x08 : 0;
  twi_put(light);
  twi_poll();
}

static void bus_begin(void) { twi_begin(BD_LCD_I2C_HZ, BD_LCD_I2C_ADDR); }

#else
#define PORT_OF_(p, b) PORT##p
#define PORT_OF(pin) PORT_OF_(pin)
#define PIN_OF_(p, b) PIN##p
#define PIN_OF(pin) PIN_OF_(pin)
#define BIT_OF_(p, b) b
#define BIT_OF(pin) BIT_OF_(pin)
// D4–D7 on four consecutive bits of one port, in order (the shield: PD4–PD7)?
#define DATA_IN_ONE_PORT                                                                       \
  (&PORT_OF(BD_LCD_D4) == &PORT_OF(BD_LCD_D5) && &PORT_OF(BD_LCD_D4) == &PORT_OF(BD_LCD_D6) && \
   &PORT_OF(BD_LCD_D4) == &PORT_OF(BD_LCD_D7) && BIT_OF(BD_LCD_D5) == BIT_OF(BD_LCD_D4) + 1 && \
   BIT_OF(BD_LCD_D6) == BIT_OF(BD_LCD_D4) + 2 && BIT_OF(BD_LCD_D7) == BIT_OF(BD_LCD_D4) + 3)

static void nibble_out(uint8_t nibble) {
  if (DATA_IN_ONE_PORT) {
    // the data bits that differ, toggled through PINx in one write: the port's other bits are
    // never written, even if an interrupt changes one of them meanwhile
    uint8_t mask = (uint8_t)(0x0F << BIT_OF(BD_LCD_D4));
    PIN_OF(BD_LCD_D4) = (uint8_t)((PORT_OF(BD_LCD_D4) ^ (uint8_t)(nibble << BIT_OF(BD_LCD_D4))) & mask);
    return;
  }
  BD_WRITE(BD_LCD_D4, nibble & 1);
  BD_WRITE(BD_LCD_D5, nibble & 2);
  BD_WRITE(BD_LCD_D6, nibble & 4);
  BD_WRITE(BD_LCD_D7, nibble & 8);
}

// E high for 1 µs, then low: its falling edge latches the nibble.
static void bus_nibble(uint8_t nibble) {
  nibble_out(nibble);
  BD_HIGH(BD_LCD_EN);
  _delay_us(1);
  BD_LOW(BD_LCD_EN);
}

// The controller is busy for LCD_BUSY_US after each byte (a clear or a home,
// instructions 1 to 3: LCD_CLEAR_US), from the latch of its second half;
// timed on TIMER1, free-running at 0.5 µs a count. lcd_poll waits out the
// rest of it within a burst, else returns at once; the next byte's first
// half is put on the bus early, and E falls when the time is up.
#define COUNTS_PER_US (F_CPU / 8 / 1000000UL)
#define LCD_BUSY_COUNTS (LCD_BUSY_US * COUNTS_PER_US + 1)  // + 1: the count partly gone at the latch
#define LCD_CLEAR_COUNTS (LCD_CLEAR_US * COUNTS_PER_US)
#define LCD_EARLY_COUNTS (10 * COUNTS_PER_US)  // a byte starts this early, and waits the rest at E
static uint16_t written_at;   // TCNT1 at the latch of the last byte
static uint16_t busy_counts;  // how long it keeps the controller busy; 0 once that is over

static void bus_byte(uint8_t v, uint8_t rs) {
  BD_WRITE(BD_LCD_RS, rs);
  nibble_out(v >> 4);
  BD_HIGH(BD_LCD_EN);
  _delay_us(1);
  while ((uint16_t)(TCNT1 - written_at) < busy_counts) {
  }
  BD_LOW(BD_LCD_EN);
  bus_nibble(v & 0x0F);
  written_at = TCNT1;
  busy_counts = !rs && v <= 3 ? LCD_CLEAR_COUNTS : LCD_BUSY_COUNTS;
}

static void bus_poll(void) {}

// True when the next byte may start: the controller is done, or nearly.
static bool bus_ready(void) {
  uint16_t gone = TCNT1 - written_at;
  if (gone >= busy_counts) {
    busy_counts = 0;
    return true;
  }
  return (uint16_t)(busy_counts - gone) <= LCD_EARLY_COUNTS;
}

static void bus_flush(void) {
  while (!bus_ready()) {
  }
}

static void bus_backlight(uint8_t on) {
#if BD_LCD_HAS_BACKLIGHT
  BD_WRITE(BD_LCD_BACKLIGHT, on == BD_LCD_BACKLIGHT_ACTIVE_HIGH);
#else
  (void)on;
#endif
}

static void bus_begin(void) {
  TCCR1B = _BV(CS11);  // TIMER1 free-running (normal mode, TCCR1A = 0) at F_CPU / 8
  BD_OUTPUT(BD_LCD_RS);
  BD_OUTPUT(BD_LCD_EN);
  BD_OUTPUT(BD_LCD_D4);
  BD_OUTPUT(BD_LCD_D5);
  BD_OUTPUT(BD_LCD_D6);
  BD_OUTPUT(BD_LCD_D7);
#if BD_LCD_HAS_BACKLIGHT
  BD_OUTPUT(BD_LCD_BACKLIGHT);
#endif
}
#endif

// ---- initialization (blocking, at boot only)

// Start-up steps: a nibble (the LCD may be in 8-bit mode), sent, then a pause.
static void init_nibble(uint8_t nibble, uint16_t us) {
  bus_nibble(nibble);
  bus_flush();
  while (us >= 50) {
    _delay_us(50);
    us -= 50;
  }
}

static void init_byte(uint8_t instruction) {
  bus_byte(instruction, 0);
  bus_flush();
}

void lcd_begin(void) {
  bus_begin();
  bus_backlight(1);
  _delay_ms(50);  // power-up: at least 40 ms after Vcc reaches 2.7 V
  // Into 4-bit mode from any state: 0x3 three times, then 0x2.
  init_nibble(0x3, 5000);
  init_nibble(0x3, 150);
  init_nibble(0x3, 150);
  init_nibble(0x2, 150);
  init_byte(LCD_FUNCTION_4BIT | (BD_LCD_ROWS > 1 ? 0x08 : 0));
  init_byte(LCD_DISPLAY);
  init_byte(LCD_CLEAR);
  _delay_us(LCD_BUSY_CLEAR_US);
#if LCD_TRACK_AC
  ac = 0;
#endif
  init_byte(LCD_ENTRY_INCREMENT);
  init_byte(LCD_DISPLAY | LCD_DISPLAY_ON);
}

// ---- the queue

bool lcd_room(void) { return (uint8_t)(Q_SIZE - (uint8_t)(q_head - q_tail)) >= BD_LCD_WORST_COMMAND; }

static void put(uint8_t b) {
  q[q_head & (Q_SIZE - 1)] = b;
  q_head++;
}

static void put_cmd(uint8_t instruction) {
  put(Q_CMD);
  put(instruction);
}

// Points the address counter at `addr` in DDRAM (unless it is there already).
static void put_address(uint8_t addr) {
#if LCD_TRACK_AC
  if (ac == addr) return;
  ac = addr;
#endif
  put_cmd(LCD_SET_DDRAM | addr);
}

// Characters and glyph rows move the address counter: put it back where the
// visible cursor is. (Not a call: that costs the shield build 16 B of flash.)
static inline __attribute__((always_inline)) void put_cursor_back(void) {
  if (cursor_mode) put_address(cursor_addr);
}

void lcd_text(uint8_t row, uint8_t col, const uint8_t *codes, uint8_t len) {
  if (row >= BD_LCD_ROWS || col >= BD_LCD_COLS) return;
  if (len > BD_LCD_COLS - col) len = BD_LCD_COLS - col;
  if (!len) return;
  uint8_t addr = ddram(row, col);
  put_address(addr);
  put(len);
  for (uint8_t i = 0; i < len; i++) put(codes[i]);
#if LCD_TRACK_AC
  ac = ac_after(addr, len);
#endif
  put_cursor_back();
}

void lcd_clear(void) {
  put_cmd(LCD_CLEAR);
  cursor_addr = 0;
#if LCD_TRACK_AC
  ac = 0;
#endif
}

void lcd_cursor(uint8_t mode, uint8_t row, uint8_t col) {
  uint8_t display = LCD_DISPLAY | LCD_DISPLAY_ON;
  if (mode > 2) display = LCD_DISPLAY;  // blank: the display off (what it holds is kept), no cursor
  if (mode > 2 || row >= BD_LCD_ROWS || col >= BD_LCD_COLS) mode = 0;
  cursor_mode = mode;
  cursor_addr = mode ? ddram(row, col) : 0;
  put_cmd(display | (mode == 1 ? 0x02 : mode == 2 ? 0x01 : 0));
  put_cursor_back();
}

void lcd_glyph(uint8_t slot, const uint8_t rows[8]) {
  put_cmd(LCD_SET_CGRAM | (uint8_t)((slot & 7) << 3));
  put(8);
  for (uint8_t i = 0; i < 8; i++) put(rows[i] & 0x1F);
#if LCD_TRACK_AC
  ac = AC_UNKNOWN;  // in CGRAM now
#endif
  put_address(cursor_addr);
}

void lcd_backlight(bool on) {
  put(Q_BACKLIGHT);
  put(on);
}

static uint8_t take(void) {
  uint8_t b = q[q_tail & (Q_SIZE - 1)];
  q_tail++;
  return b;
}

// Parallel bus: bytes written back to back in one call (each 40 µs, waited
// for here), then back to the main loop: ~45 µs a character, and at most
// ~0.2 ms away from the serial line and the inputs.
#define LCD_BURST 4

void lcd_poll(void) {
  bus_poll();
  for (uint8_t n = 0;; n++) {
#if BD_LCD_I2C
    if (clear_state == CLEAR_SENDING) {
      if (!bus_done()) return;
      // the step before the millisecond: a tick interrupt between the two reads makes the start read late, never early
      clear_tick = clock_tick();
      clear_ms = clock_ms8();
      clear_state = CLEAR_RUNNING;
    }
    if (clear_state == CLEAR_RUNNING) {
      uint8_t ms = (uint8_t)(clock_ms8() - clear_ms);
      // ...and the millisecond before the step now: read early, never late
      int16_t steps = (int16_t)clock_tick() - clear_tick;
      if (ms < 8 && (int16_t)(ms * 250) + steps < LCD_CLEAR_STEPS) return;
      clear_state = CLEAR_NONE;
    }
#endif
    if (q_head == q_tail) return (void)bus_ready();  // (forgets a wait that is over before TIMER1 wraps)
    if (!bus_ready()) {
#if BD_LCD_I2C
      return;
#else
      if (n >= LCD_BURST || busy_counts > LCD_BUSY_COUNTS) return;  // a clear: not waited for here
      bus_flush();                                                  // the rest of the last byte's 40 µs
#endif
    }
    uint8_t b = take();
    uint8_t rs = 1;
    if (q_run) {
      q_run--;
    } else if (b == Q_BACKLIGHT) {
      bus_backlight(take());
      continue;
    } else if (b == Q_CMD) {
      b = take();
      rs = 0;
    } else {
      q_run = b - 1;
      b = take();
    }
    bus_byte(b, rs);
#if BD_LCD_I2C
    if (!rs && b == LCD_CLEAR) clear_state = CLEAR_SENDING;
#endif
  }
}
