// botduino firmware: USART0 with interrupt-fed receive and transmit rings.
// Replaces the Arduino core's HardwareSerial (about 1 KB of flash and 157 B
// of RAM) and, unlike it, counts receive overflows.
//
// Sending never busy-waits while the transmit ring has room: uart_write()
// puts the byte in the ring and the transmit-complete interrupt sends it
// (86.8 µs a byte at 115200 Bd). Only when the ring is full does it wait for
// a byte to go out; the receive interrupt keeps filling its ring meanwhile.
#ifndef BD_UART_H
#define BD_UART_H

#include <stdint.h>

// Bytes the receive ring holds: what HELLO advertises as `rx`.
#define BD_RX_RING 128
// Bytes the transmit ring holds: an ACK (12 B) and an event frame fit.
#define BD_TX_RING 32

void uart_begin(void);
// Bytes waiting in the receive ring.
uint8_t uart_available(void);
// Takes one byte; call only when uart_available() is not 0.
uint8_t uart_take(void);
// Queues one byte to send; waits only while the transmit ring is full.
void uart_write(uint8_t byte);
// Free bytes in the transmit ring.
uint8_t uart_tx_room(void);
// Bytes lost because the ring was full or the hardware overran, since boot.
uint16_t uart_overflows(void);

#endif
