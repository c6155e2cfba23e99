/**
 * The device as every side of the bridge sees it: what a board reported in
 * its HELLO (the LCD's size and ROM, its buttons and keypad), and the inputs
 * it sends. The link fills these in; the UI and the app read them.
 */

/** What the bridge knows of a board, from its HELLO. */
export interface DeviceCaps {
  protocol: number;
  fingerprint: string;
  firmware: string;
  version: string;
  board: string;
  /** Device id stored in EEPROM ("" until the bridge assigns one). */
  id: string;
  boot: number;
  cols: number;
  rows: number;
  /** The revision of the protocol's schema the board was built with (protocol/schema.ts): what it understands. */
  schemaRevision: number;
  lcd: 'parallel' | 'i2c';
  /** The I2C clock of the LCD's backpack in kHz (0 on a parallel LCD, or from a board that does not say). */
  lcdKhz: number;
  rom: 'A00' | 'A02';
  /** Button names, by index. */
  buttons: string[];
  /** Keypad layout, one string per row ([] without a keypad). */
  keypad: string[];
  /** Bytes the board can buffer: the host never has more unacknowledged bytes in flight. */
  rxBuffer: number;
  maxFrame: number;
  backlight: boolean;
  buzzer: boolean;
  led: boolean;
}

/** An input from the board, delivered exactly once. */
export type InputEvent =
  | { type: 'button'; action: 'down' | 'up' | 'hold'; button: string; index: number }
  | { type: 'key'; action: 'down' | 'up' | 'hold'; key: string };
