/** The screen and the keys: what botduino's user sees and types. */
export { DeviceUI, type UIAction, type UIStatus, type UICaps, type DeviceUIDeps } from './device-ui.js';
export { UIOptionsSchema, BindingSchema, type UIOptions, type ResolvedUIOptions, type Binding } from './options.js';
export { CharMap, type Cell } from './charmap.js';
export { ROM_A00, ROM_A02, romTable, type RomName } from '../sim/rom.js';
export { frameToText, frameToBox, glyphText } from './text-view.js';
export { systemClock, type Clock } from './clock.js';
export { blankFrame, type ScreenFrame } from './screen.js';
export type { Origin } from './view.js';
