// botduino firmware: USART0 with an interrupt-fed receive ring and polled
// transmit. Replaces the Arduino core's HardwareSerial (about 1 KB of flash
// and 157 B of RAM) and, unlike it, counts receive overflows.
#ifndef BD_UART_H
#define BD_UART_H

#include <stdint.h>

// Bytes the receive ring holds: what HELLO advertises as `rx`.
#define BD_RX_RING 64

void uart_begin(void);
// Bytes waiting in the ring.
uint8_t uart_available(void);
// Takes one byte; call only when uart_available() is not 0.
uint8_t uart_take(void);
// Sends one byte, waiting for room in the transmit register.
void uart_write(uint8_t byte);
// Bytes lost because the ring was full or the hardware overran, since boot.
uint16_t uart_overflows(void);

#endif
