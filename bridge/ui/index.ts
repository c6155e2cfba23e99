/** The screen and the keys: what botduino's user sees and types. */
export { DeviceUI, type UIAction, type UIStatus, type UICaps, type DeviceUIDeps } from './device-ui.js';
export { UIOptionsSchema, BindingSchema, type UIOptions, type ResolvedUIOptions, type Binding } from './options.js';
export { CharMap, type Cell } from './charmap.js';
export type { Origin } from './view.js';
