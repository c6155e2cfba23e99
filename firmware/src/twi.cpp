// botduino firmware: interrupt-driven, write-only TWI master (see twi.h).
#include "twi.h"

#include <avr/interrupt.h>
#include <avr/io.h>

#include "bd_config.h"
#include "clock.h"

#if BD_LCD_I2C

// TWSR status codes of a master transmitter.
#define TW_SLA_ACK 0x18
#define TW_DATA_ACK 0x28

// Bytes waiting to be sent: four LCD bytes through the PCF8574. A
// transaction runs as long as bytes keep coming (a PCF8574 takes each byte as
// it comes, however many), and stops when the queue is empty.
#define TWI_QUEUE 16
// A transaction with no bus step for this long (ms of clock_ms8) is reset;
// a bus held for bytes that do not come is let go.
#define TWI_STUCK_MS 3

#define TWCR_NEXT (_BV(TWINT) | _BV(TWEN) | _BV(TWIE))
#define TWCR_STOP (_BV(TWINT) | _BV(TWSTO) | _BV(TWEN))

// The byte that goes out next waits in GPIOR1, flagged by this bit of GPIOR0
// (I/O registers: read and tested in one cycle, without touching SREG).
#define NEXT_READY 0

static volatile uint8_t queue[TWI_QUEUE];
// Free-running: the main loop moves head, the interrupt tail.
static volatile uint8_t head, tail;
static volatile bool busy;      // a transaction is running
static volatile uint8_t steps;  // bus steps done, to notice a stuck bus
// Set by twi_open(): when the queue runs dry the bus is held (SCL low, the
// interrupt off) instead of stopped, until bytes come or twi_release().
static volatile bool hold, held;
static uint8_t address;  // 7-bit
static uint8_t seen_steps, seen_at;

// Sends the queue's first byte and moves the one after it, if any, into
// GPIOR1; the bus is waiting (TWINT set) and the queue is not empty.
static void send_next(void) {
  uint8_t t = tail;
  TWDR = queue[t & (TWI_QUEUE - 1)];
  TWCR = TWCR_NEXT;
  if (++t != head) {
    GPIOR1 = queue[t & (TWI_QUEUE - 1)];
    GPIOR0 |= _BV(NEXT_READY);
    t++;
  }
  tail = t;
  steps++;
}

// SCL is held low from the end of each byte until TWCR is written: every
// cycle before that write is bus time lost, 328 times for a 20×4 page. So
// the interrupt is hand-written: when the next byte waits in GPIOR1 (the
// address after a start, the data after it) it goes out 10 cycles after the
// vector's jump (the compiler's prologue alone took 16, its whole path 40), and
// nothing before the TWCR write changes SREG, so SREG is saved after it.
// Then, while that byte is on the bus, the one after it is moved into GPIOR1.
//
// The status is not looked at on this path: what the last byte got back
// matters only when nothing more is ready. After a missing acknowledge (no
// backpack at that address) sending the next byte is an action the datasheet
// allows (it is not acknowledged either); arbitration lost or a bus error
// (only with noise on a one-master bus) leave the TWI idle, and twi_poll()
// resets it as a stuck bus. Without a next byte the interrupt goes on in
// __vector_twi_slow() (named so for the compiler: an interrupt handler).
ISR(TWI_vect, ISR_NAKED) {
  __asm__ volatile(
      "sbis %[flags], %[ready]\n\t"
      "rjmp 2f\n\t"
      "push r24\n\t"
      "in r24, %[next]\n\t"
      "sts %[twdr], r24\n\t"
      "ldi r24, %[go]\n\t"
      "sts %[twcr], r24\n\t"
      // the bus is moving: the byte after it, if any, into GPIOR1
      "in r24, __SREG__\n\t"
      "push r24\n\t"
      "push r25\n\t"
      "push r30\n\t"
      "push r31\n\t"
      "cbi %[flags], %[ready]\n\t"
      "lds r30, %[tail]\n\t"
      "lds r25, %[head]\n\t"
      "cp r30, r25\n\t"
      "breq 1f\n\t"  // none yet: the next interrupt takes the slow path
      "mov r24, r30\n\t"
      "subi r24, 0xFF\n\t"
      "sts %[tail], r24\n\t"
      "andi r30, %[mask]\n\t"
      "ldi r31, 0\n\t"
      "subi r30, lo8(-(%[queue]))\n\t"
      "sbci r31, hi8(-(%[queue]))\n\t"
      "ld r24, Z\n\t"
      "out %[next], r24\n\t"
      "sbi %[flags], %[ready]\n"
      "1:\n\t"
      "lds r24, %[steps]\n\t"
      "subi r24, 0xFF\n\t"
      "sts %[steps], r24\n\t"
      "pop r31\n\t"
      "pop r30\n\t"
      "pop r25\n\t"
      "pop r24\n\t"
      "out __SREG__, r24\n\t"
      "pop r24\n\t"
      "reti\n"
      "2:\n\t"
      "jmp __vector_twi_slow\n" ::[twdr] "n"(_SFR_MEM_ADDR(TWDR)),
      [twcr] "n"(_SFR_MEM_ADDR(TWCR)), [go] "M"(TWCR_NEXT), [flags] "I"(_SFR_IO_ADDR(GPIOR0)), [ready] "I"(NEXT_READY),
      [next] "I"(_SFR_IO_ADDR(GPIOR1)), [head] "i"(&head), [tail] "i"(&tail), [steps] "i"(&steps), [queue] "i"(queue),
      [mask] "M"(TWI_QUEUE - 1));
}

// The interrupt without a next byte (entered by a jump, so it returns with
// reti). TWINT is written with each action: the simulated board's TWI
// (avr8js) clears it when the interrupt is taken, a real one only then.
extern "C" void __vector_twi_slow(void) __attribute__((signal, used, externally_visible));
void __vector_twi_slow(void) {
  uint8_t status = TWSR & 0xF8;
  if (status == TW_DATA_ACK || status == TW_SLA_ACK) {
    if (tail != head) {  // queued since the last byte went out
      send_next();
      return;
    }
    if (hold) {  // more is coming: keep the bus (SCL low until TWINT is written), the interrupt off
      TWCR = _BV(TWEN);
      held = true;
      return;
    }
  } else {  // no answer, or a bus error: drop what waits
    tail = head;
  }
  TWCR = TWCR_STOP;  // (the interrupt off)
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

// Starts a transaction if none is running: its start's interrupt sends the address.
static void start(void) {
  if (busy || (TWCR & _BV(TWSTO))) return;
  seen_steps = steps;
  seen_at = clock_ms8();
  busy = true;
  GPIOR1 = (uint8_t)(address << 1);
  GPIOR0 |= _BV(NEXT_READY);
  TWCR = TWCR_NEXT | _BV(TWSTA);
}

void twi_open(void) {
  hold = true;
  start();
}

void twi_release(void) {
  hold = false;
  if (held && head == tail) {
    held = false;
    TWCR = TWCR_STOP;
    busy = false;
  }
}

void twi_poll(void) {
  if (head != tail) {
    if (held) {  // the bytes the bus was held for (the interrupt is off)
      held = false;
      send_next();
      return;
    }
    start();
  }
  if (!busy) return;
  uint8_t now = clock_ms8();
  uint8_t s = steps;
  if (s != seen_steps) {
    seen_steps = s;
    seen_at = now;
    return;
  }
  if ((uint8_t)(now - seen_at) <= TWI_STUCK_MS) return;
  if (held) {
    twi_release();  // held for a few ms at most: a line that never ends
    return;
  }
  // a transaction that has not moved for a while: reset the bus
  TWCR = 0;
  tail = head;
  GPIOR0 &= ~_BV(NEXT_READY);
  busy = false;
  TWCR = _BV(TWEN);
}

// Held, every byte is out too.
bool twi_idle(void) { return head == tail && (held || (!busy && !(TWCR & _BV(TWSTO)))); }

void twi_flush(void) {
  uint8_t start = clock_ms8();
  while (!twi_idle() && (uint8_t)(clock_ms8() - start) < 4 * TWI_STUCK_MS) twi_poll();
}

#endif
