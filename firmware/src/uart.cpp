// botduino firmware: USART0 driver (see uart.h).
#include "uart.h"

#include <avr/interrupt.h>
#include <avr/io.h>
#include <util/atomic.h>

#include "bd_config.h"

#if (BD_RX_RING & (BD_RX_RING - 1)) != 0 || BD_RX_RING > 128
#error "BD_RX_RING must be a power of two, at most 128"
#endif

static volatile uint8_t rx_buf[BD_RX_RING];
// Free-running indexes: head - tail is the fill, 0..BD_RX_RING.
static volatile uint8_t rx_head;
static uint8_t rx_tail;
static volatile uint16_t rx_lost;

#if defined(USART0_RX_vect)
ISR(USART0_RX_vect)
#else
ISR(USART_RX_vect)
#endif
{
  uint8_t status = UCSR0A;
  uint8_t c = UDR0;
  if (status & _BV(DOR0)) rx_lost++;
  uint8_t head = rx_head;
  if ((uint8_t)(head - rx_tail) >= BD_RX_RING) {
    rx_lost++;
    return;
  }
  rx_buf[head & (BD_RX_RING - 1)] = c;
  rx_head = head + 1;
}

void uart_begin(void) {
  // Double speed, as the Arduino core does: 115200 Bd is UBRR 16 (+2.1 %).
  const uint16_t ubrr = (F_CPU / 4 / BD_BAUD - 1) / 2;
  UCSR0A = _BV(U2X0);
  UBRR0H = ubrr >> 8;
  UBRR0L = ubrr & 0xFF;
  UCSR0C = _BV(UCSZ01) | _BV(UCSZ00);  // 8N1
  UCSR0B = _BV(RXEN0) | _BV(TXEN0) | _BV(RXCIE0);
}

uint8_t uart_available(void) { return (uint8_t)(rx_head - rx_tail); }

uint8_t uart_take(void) {
  uint8_t c = rx_buf[rx_tail & (BD_RX_RING - 1)];
  rx_tail++;
  return c;
}

void uart_write(uint8_t byte) {
  while (!(UCSR0A & _BV(UDRE0))) {
  }
  UDR0 = byte;
}

uint16_t uart_overflows(void) {
  uint16_t n;
  ATOMIC_BLOCK(ATOMIC_RESTORESTATE) { n = rx_lost; }
  return n;
}
