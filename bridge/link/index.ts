/**
 * The device link: one serial link to one botduino board.
 *
 *   import { DeviceLink, listPorts } from './link/index.js';
 */
export { DeviceLink, type DeviceLinkOptions, type DeviceLinkEvents } from './link.js';
export { listPorts, isLikelyArduino, type PortInfo, type ListPortsOptions } from './ports.js';
export type { DeviceCaps, InputEvent, LinkState, LinkStats, DeviceHealth, FrameEvent, ScreenCommand } from './types.js';
