// botduino firmware: the thin terminal. Reads lines from the bridge, checks
// and applies them by the protocol's reliability rules (protocol/schema.ts),
// writes the LCD without ever blocking the serial line, and reports buttons
// and keys as reliable events.
//
// The board is described by bd_config.h, generated from a device
// description (firmware/devices/); the protocol runtime bd_protocol.{h,cpp}
// is generated from the protocol schema.
#include <avr/interrupt.h>
#include <avr/pgmspace.h>
#include <string.h>

#include "bd_config.h"
#include "board.h"
#include "clock.h"
#include "events.h"
#include "inputs.h"
#include "lcd.h"
#include "seq.h"
#include "uart.h"

static_assert(BD_OK == 0 && BD_REJECT_REASONS == 6, "reject reasons changed: update the PONG counters");
// PONG's first six counters are the reject counts, in the reasons' order.
static_assert(offsetof(bd_pong_t, crc) == 0 && offsetof(bd_pong_t, long_) == 2 && offsetof(bd_pong_t, badkind) == 4 &&
                  offsetof(bd_pong_t, field) == 6 && offsetof(bd_pong_t, trunc) == 8 &&
                  offsetof(bd_pong_t, esc) == 10 && BD_REJECT_CRC == 1 && BD_REJECT_LONG == 2 && BD_REJECT_KIND == 3 &&
                  BD_REJECT_FIELD == 4 && BD_REJECT_TRUNC == 5 && BD_REJECT_ESC == 6,
              "PONG's counters changed: update send_pong()");

// ---- the line being received

static char line[BD_MAX_HOST_FRAME + 1];  // + a "\r" before the "\n"
static uint8_t line_len;
static bool line_long;   // longer than the buffer: skipped up to its "\n"
static bool line_ready;  // complete, waiting for room in the LCD queue
// The line's CRC, computed as its bytes come in, and its value before the
// last "*" so far: what bd_decode_crc takes, so no CRC is left for the end.
static uint16_t line_crc = 0xFFFF, line_crc_star;

static uint8_t rx_expected = 1;  // seq of the host's next reliable frame
static uint16_t rejects[BD_REJECT_REASONS];

// ---- what the device says

// Copies a string constant from flash; its length is known when compiling.
#define COPY_P(dst, text) (memcpy_P((dst), PSTR(text), sizeof(text) - 1), (uint8_t)(sizeof(text) - 1))
static_assert(sizeof(BD_FW_NAME) - 1 <= BD_HELLO_FW_MAX && sizeof(BD_FW_VERSION) - 1 <= BD_HELLO_VER_MAX &&
                  sizeof(BD_BOARD_NAME) - 1 <= BD_HELLO_BOARD_MAX &&
                  sizeof(BD_BUTTON_NAMES) - 1 <= BD_HELLO_BUTTONS_MAX &&
                  sizeof(BD_KEYPAD_LAYOUT) - 1 <= BD_HELLO_KEYS_MAX,
              "a HELLO string of bd_config.h is longer than the protocol allows");

static void send_hello(void) {
  bd_hello_t h;
  h.proto = BD_PROTOCOL_VERSION;
  h.fp[0] = (uint8_t)(BD_SCHEMA_FP_U32 >> 24);
  h.fp[1] = (uint8_t)(BD_SCHEMA_FP_U32 >> 16);
  h.fp[2] = (uint8_t)(BD_SCHEMA_FP_U32 >> 8);
  h.fp[3] = (uint8_t)BD_SCHEMA_FP_U32;
  h.fw_len = COPY_P(h.fw, BD_FW_NAME);
  h.ver_len = COPY_P(h.ver, BD_FW_VERSION);
  h.board_len = COPY_P(h.board, BD_BOARD_NAME);
  h.id_len = board_read_id(h.id);
  h.boot = board_boot_count();
  h.txb = events_first_seq();
  h.cols = BD_LCD_COLS;
  h.rows = BD_LCD_ROWS;
  h.lcd = BD_LCD_I2C ? BD_HELLO_LCD_I2C : BD_HELLO_LCD_PARALLEL;
  h.rom = BD_LCD_ROM;
  // The fields from `buttons_len` on lie past the 63 bytes an AVR store reaches from the
  // frame pointer: written through a pointer to them (opaque to the optimizer), one
  // instruction each instead of five.
  uint8_t *t = &h.buttons_len;
  __asm__("" : "+b"(t));
#define FAR(f) (*(__typeof__(h.f) *)(t + (offsetof(bd_hello_t, f) - offsetof(bd_hello_t, buttons_len))))
  FAR(buttons_len) = COPY_P(&FAR(buttons), BD_BUTTON_NAMES);
  FAR(keys_len) = COPY_P(&FAR(keys), BD_KEYPAD_LAYOUT);
  FAR(kcols) = BD_KEYPAD_NCOLS;
  FAR(rx) = BD_RX_RING;
  FAR(mfl) = BD_MAX_HOST_FRAME;
  FAR(backlight) = BD_LCD_HAS_BACKLIGHT;
  FAR(buzzer) = BD_HAS_BUZZER;
  FAR(led) = BD_HAS_LED;
  FAR(khz) = BD_LCD_I2C_KHZ;
#undef FAR
  bd_send_hello(uart_write, 0, &h);
}

static void send_pong(uint8_t seq) {
  bd_pong_t p;
  memcpy(&p, rejects, sizeof rejects);
  p.ovf = uart_overflows();
  p.drop = events_dropped();
  p.retx = events_retransmitted();
  p.ram = board_least_free_ram();
  p.up = clock_ms();
  p.rst = board_reset_cause();
  p.boot = board_boot_count();
  bd_send_pong(uart_write, seq, &p);
}

static void send_nak(uint8_t seq, bd_nak_why_t why) {
  bd_nak_t n = {why, rx_expected};
  bd_send_nak(uart_write, seq, &n);
}

// ---- what the host says

static void reject(bd_reject_t why, uint8_t seq) {
  rejects[why - 1]++;
  send_nak(seq, bd_nak_why(why));
}

static void handle_line(const char *text, uint8_t len) {
  bd_msg_t msg;
  bd_reject_t r = bd_decode_crc(text, len, line_crc_star, &msg);
  if (r != BD_OK) return reject(r, msg.seq);
  if (!bd_kind_reliable(msg.kind)) return bd_dispatch(&msg);
  uint8_t ahead = seq_ahead(rx_expected, msg.seq);
  if (ahead == 0) {
    bd_dispatch(&msg);  // applied (screen commands: queued) exactly once
    rx_expected = seq_next(msg.seq);
    lcd_poll();  // the LCD first: a one-character change shows before the ACK is even encoded
    bd_send_ack(uart_write, msg.seq);
  } else if (ahead > 127) {
    bd_send_ack(uart_write, seq_prev(rx_expected));  // a duplicate
  } else {
    send_nak(msg.seq, BD_NAK_WHY_ORDER);  // a frame was lost before this one
  }
}

// Moves received bytes into the line; handles a complete line when the LCD
// queue can take any command. Until then the bytes wait in the RX ring (the
// host never has more in flight than HELLO's `rx`).
static void read_line(void) {
  while (!line_ready && uart_available()) {
    uint8_t c = uart_take();
    if (c != '\n') {
      if (!line_len) lcd_line_begins();
      if (c == '*') line_crc_star = line_crc;
      line_crc = bd_crc16_update(line_crc, c);
      if (line_len < sizeof line)
        line[line_len++] = (char)c;
      else
        line_long = true;
      continue;
    }
    if (line_len && line[line_len - 1] == '\r') line_len--;
    if (line_long || line_len > BD_MAX_HOST_FRAME) {
      reject(BD_REJECT_LONG, 0);
      line_long = false;
      line_len = 0;
    } else if (line_len) {
      line_ready = true;
      continue;
    }
    lcd_line_done();
    line_crc = 0xFFFF;  // an empty line ("\r\n") or a long one: the next one starts afresh
  }
  if (line_ready && lcd_room()) {
    handle_line(line, line_len);
    lcd_line_done();
    line_ready = false;
    line_len = 0;
    line_crc = 0xFFFF;
  }
}

void bd_on_who(uint8_t, const bd_who_t *m) {
  rx_expected = m->next ? m->next : 1;
  send_hello();
  events_resend();
}
void bd_on_ping(uint8_t seq) { send_pong(seq); }
void bd_on_ack(uint8_t seq) { events_ack(seq); }
void bd_on_nak(uint8_t, const bd_nak_t *m) {
  events_ack(seq_prev(m->exp));
  events_resend();
}
void bd_on_clr(uint8_t) { lcd_clear(); }
void bd_on_txt(uint8_t, const bd_txt_t *m) { lcd_text(m->row, m->col, m->text, m->text_len); }
void bd_on_cur(uint8_t, const bd_cur_t *m) { lcd_cursor(m->mode, m->row, m->col); }
void bd_on_bl(uint8_t, const bd_bl_t *m) { lcd_backlight(m->on); }
void bd_on_gly(uint8_t, const bd_gly_t *m) { lcd_glyph(m->slot, m->rows); }
void bd_on_tone(uint8_t, const bd_tone_t *m) { board_tone(m->hz, m->ms); }
void bd_on_led(uint8_t, const bd_led_t *m) { board_led(m->on); }
void bd_on_setid(uint8_t, const bd_setid_t *m) { board_store_id(m->id, m->id_len); }

void on_input(uint8_t index, uint8_t action) { events_push(index, action); }

// ---- the entry point: the firmware's own, so the Arduino core's main() and
// init() (timers set up for PWM, ~0.25 KB) are not linked

int main(void) {
  board_begin();
  clock_begin();
  uart_begin();  // the ring fills while the LCD starts
  sei();
  inputs_begin();
  lcd_begin();
  // A line end first: whatever reached the host before the reset (noise of a
  // brownout, half a frame) ends there, and the HELLO starts a line of its own.
  uart_write('\n');
  send_hello();
  for (;;) {
    read_line();
    lcd_poll();
    inputs_poll();
    events_poll();
    board_poll();
  }
}
