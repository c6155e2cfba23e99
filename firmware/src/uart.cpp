// botduino firmware: USART0 driver (see uart.h).
#include "uart.h"

#include <avr/interrupt.h>
#include <avr/io.h>
#include <util/atomic.h>

#include "bd_config.h"

#if (BD_RX_RING & (BD_RX_RING - 1)) != 0 || BD_RX_RING > 128
#error "BD_RX_RING must be a power of two, at most 128"
#endif
#if (BD_TX_RING & (BD_TX_RING - 1)) != 0 || BD_TX_RING > 128
#error "BD_TX_RING must be a power of two, at most 128"
#endif

#if defined(USART0_RX_vect)
#define BD_UART_RX_vect USART0_RX_vect
#define BD_UART_TX_vect USART0_TX_vect
#else
#define BD_UART_RX_vect USART_RX_vect
#define BD_UART_TX_vect USART_TX_vect
#endif

static volatile uint8_t rx_buf[BD_RX_RING];
// Free-running indexes: head - tail is the fill, 0..BD_RX_RING.
static volatile uint8_t rx_head;
static uint8_t rx_tail;
static volatile uint16_t rx_lost;

static volatile uint8_t tx_buf[BD_TX_RING];
// Free-running too: the main loop moves tx_head, the interrupt tx_tail.
static uint8_t tx_head;
static volatile uint8_t tx_tail;
static volatile bool tx_busy;  // a byte is on its way out

ISR(BD_UART_RX_vect) {
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

// A byte has gone out and the transmitter is empty: send the next one.
// Transmit-complete rather than data-register-empty: its interrupt stays
// enabled for good (it fires once per byte sent), so UCSR0B is never written
// while receiving (the simulated board, avr8js, drops a pending received
// byte when it is). The gap between bytes is the interrupt's ~2 µs.
ISR(BD_UART_TX_vect) {
  uint8_t tail = tx_tail;
  if (tail == *(volatile uint8_t *)&tx_head) {
    tx_busy = false;
    return;
  }
  UDR0 = tx_buf[tail & (BD_TX_RING - 1)];
  tx_tail = tail + 1;
}

void uart_begin(void) {
  // Double speed, as the Arduino core does: 115200 Bd is UBRR 16 (+2.1 %).
  const uint16_t ubrr = (F_CPU / 4 / BD_BAUD - 1) / 2;
  UCSR0A = _BV(U2X0);
  UBRR0H = ubrr >> 8;
  UBRR0L = ubrr & 0xFF;
  UCSR0C = _BV(UCSZ01) | _BV(UCSZ00);  // 8N1
  UCSR0B = _BV(RXEN0) | _BV(TXEN0) | _BV(RXCIE0) | _BV(TXCIE0);
}

uint8_t uart_available(void) { return (uint8_t)(rx_head - rx_tail); }

uint8_t uart_take(void) {
  uint8_t c = rx_buf[rx_tail & (BD_RX_RING - 1)];
  rx_tail++;
  return c;
}

uint8_t uart_tx_room(void) { return (uint8_t)(BD_TX_RING - (uint8_t)(tx_head - tx_tail)); }

void uart_write(uint8_t byte) {
  // Full: wait for the interrupt to send one (at most one byte time).
  while ((uint8_t)(tx_head - tx_tail) >= BD_TX_RING) {
  }
  ATOMIC_BLOCK(ATOMIC_RESTORESTATE) {
    if (!tx_busy) {
      tx_busy = true;
      UDR0 = byte;
    } else {
      tx_buf[tx_head & (BD_TX_RING - 1)] = byte;
      tx_head++;
    }
  }
}

uint16_t uart_overflows(void) {
  uint16_t n;
  ATOMIC_BLOCK(ATOMIC_RESTORESTATE) { n = rx_lost; }
  return n;
}
