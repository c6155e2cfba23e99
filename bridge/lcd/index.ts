/**
 * What every side of the LCD shares, and imports nothing else of the bridge:
 * the screen frame the renderer makes and the link sends, the HD44780's
 * character ROMs (A00, A02), the custom glyphs' pixels, a frame as text, and
 * the device's capabilities and inputs as its HELLO reports them.
 */
export { blankFrame, type ScreenFrame } from './screen.js';
export { ROM_A00, ROM_A02, romTable, type RomName } from './rom.js';
export { frameToText, frameToBox, glyphText } from './text-view.js';
export type { DeviceCaps, InputEvent } from './device.js';
