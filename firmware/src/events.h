// botduino firmware: button and key events, sent as reliable frames and
// kept until the host acknowledges them; all sent again, in order, when no
// ACK has come for BD_RETX_MS, or at once on a NAK or a new session. When the
// queue is full a new event is dropped and counted (PONG `drop`).
#ifndef BD_EVENTS_H
#define BD_EVENTS_H

#include <stdint.h>

#define BD_EVENT_QUEUE 8

// Queues and sends an input change (see inputs.h for index and action).
void events_push(uint8_t index, uint8_t action);
// The host acknowledged `seq` and everything before it.
void events_ack(uint8_t seq);
// Sends every unacknowledged event again, now.
void events_resend(void);
// Sends them again when the host has been silent for BD_RETX_MS.
void events_poll(void);
// Seq of the oldest unacknowledged event, else of the next one (HELLO `txb`).
uint8_t events_first_seq(void);
uint16_t events_dropped(void);
uint16_t events_retransmitted(void);

#endif
