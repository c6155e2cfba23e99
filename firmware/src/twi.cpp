// botduino firmware: interrupt-driven, write-only TWI master (see twi.h).
#include "twi.h"

#include <avr/interrupt.h>
#include <avr/io.h>

#include "bd_config.h"
#include "clock.h"

#if BD_LCD_I2C

// TWSR status codes of a master transmitter.
#define TW_START 0x08
#define TW_REP_START 0x10
#define TW_SLA_ACK 0x18
#define TW_DATA_ACK 0x28

// Bytes waiting to be sent: four LCD bytes through the PCF8574. A
// transaction runs as long as bytes keep coming (a PCF8574 takes each byte as
// it comes, however many), and stops when the queue is empty.
#define TWI_QUEUE 16
// A transaction with no bus step for this long (ms of clock_ms8) is reset.
#define TWI_STUCK_MS 3

#define TWCR_NEXT (_BV(TWINT) | _BV(TWEN) | _BV(TWIE))

static volatile uint8_t queue[TWI_QUEUE];
// Free-running: the main loop moves head, the interrupt tail.
static volatile uint8_t head, tail;
static volatile bool busy;      // a transaction is running
static volatile uint8_t steps;  // bus steps done, to notice a stuck bus
static uint8_t address;         // 7-bit
static uint8_t seen_steps, seen_at;

// The next bus byte goes out first thing (SCL is held low until it does,
// so every cycle before it is bus time lost), the bookkeeping after.
ISR(TWI_vect) {
  uint8_t status = TWSR & 0xF8;
  if (__builtin_expect(status == TW_DATA_ACK || status == TW_SLA_ACK, 1)) {
    uint8_t t = tail;
    if (t != head) {
      TWDR = queue[t & (TWI_QUEUE - 1)];
      TWCR = TWCR_NEXT;
      tail = t + 1;
      steps++;
      return;
    }
  } else if (status == TW_START || status == TW_REP_START) {
    TWDR = address << 1;
    TWCR = TWCR_NEXT;
    steps++;
    return;
  } else {  // no answer, lost arbitration or a bus error: drop what waits
    tail = head;
  }
  TWCR = _BV(TWINT) | _BV(TWSTO) | _BV(TWEN);  // stop, interrupt off
  busy = false;
  steps++;
}

void twi_begin(uint32_t hz, uint8_t addr) {
  address = addr;
  TWSR = 0;  // prescaler 1
  TWBR = (uint8_t)((F_CPU / hz - 16) / 2);
  TWCR = _BV(TWEN);
}

uint8_t twi_room(void) { return (uint8_t)(TWI_QUEUE - (uint8_t)(head - tail)); }

void twi_put(uint8_t byte) {
  uint8_t h = head;
  queue[h & (TWI_QUEUE - 1)] = byte;
  head = h + 1;
}

void twi_poll(void) {
  uint8_t now = clock_ms8();
  if (!busy && !(TWCR & _BV(TWSTO))) {
    if (head == tail) return;
    seen_steps = steps;
    seen_at = now;
    busy = true;
    TWCR = TWCR_NEXT | _BV(TWSTA);
    return;
  }
  // A transaction or its stop is running: reset the bus if it has not moved for a while.
  uint8_t s = steps;
  if (s != seen_steps) {
    seen_steps = s;
    seen_at = now;
  } else if ((uint8_t)(now - seen_at) > TWI_STUCK_MS) {
    TWCR = 0;
    tail = head;
    busy = false;
    TWCR = _BV(TWEN);
  }
}

bool twi_idle(void) { return !busy && head == tail && !(TWCR & _BV(TWSTO)); }

void twi_flush(void) {
  uint8_t start = clock_ms8();
  while (!twi_idle() && (uint8_t)(clock_ms8() - start) < 4 * TWI_STUCK_MS) twi_poll();
}

#endif
