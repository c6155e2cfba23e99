// botduino firmware: the event queue (see events.h).
#include "events.h"

#include <avr/pgmspace.h>

#include "bd_config.h"
#include "clock.h"
#include "seq.h"
#include "uart.h"

#ifndef BD_RETX_MS
#define BD_RETX_MS 250
#endif

struct event_t {
  uint8_t seq;
  uint8_t index;   // button index, or BD_NUM_BUTTONS + key index
  uint8_t action;  // BD_INPUT_DOWN/UP/HOLD = the act enums' order
};

static event_t queue[BD_EVENT_QUEUE];
static uint8_t count;  // queue[0] is the oldest
static uint8_t next_seq = 1;
static uint16_t dropped, retransmitted;
static uint16_t sent_at;  // clock_ms16() of the last send or acknowledgement

#if BD_NUM_KEYS > 0
static const char layout[] PROGMEM = BD_KEYPAD_LAYOUT;
#endif

static void send(const event_t *e) {
  if (e->index < BD_NUM_BUTTONS) {
    bd_btn_t m = {(bd_btn_act_t)e->action, e->index};
    bd_send_btn(uart_write, e->seq, &m);
  }
#if BD_NUM_KEYS > 0
  else {
    bd_key_t m = {(bd_key_act_t)e->action, (char)pgm_read_byte(&layout[e->index - BD_NUM_BUTTONS])};
    bd_send_key(uart_write, e->seq, &m);
  }
#endif
  sent_at = clock_ms16();
}

void events_push(uint8_t index, uint8_t action) {
  if (count == BD_EVENT_QUEUE) {
    dropped++;
    return;
  }
  event_t *e = &queue[count++];
  e->seq = next_seq;
  e->index = index;
  e->action = action;
  next_seq = seq_next(next_seq);
  send(e);
}

void events_ack(uint8_t seq) {
  for (uint8_t i = 0; i < count; i++) {
    if (queue[i].seq != seq) continue;
    uint8_t done = i + 1;
    count -= done;
    for (uint8_t j = 0; j < count; j++) queue[j] = queue[j + done];
    sent_at = clock_ms16();
    return;
  }
}

void events_resend(void) {
  for (uint8_t i = 0; i < count; i++) send(&queue[i]);
  retransmitted += count;
}

void events_poll(void) {
  if (count && (uint16_t)(clock_ms16() - sent_at) >= BD_RETX_MS) events_resend();
}

uint8_t events_first_seq(void) { return count ? queue[0].seq : next_seq; }
uint16_t events_dropped(void) { return dropped; }
uint16_t events_retransmitted(void) { return retransmitted; }
