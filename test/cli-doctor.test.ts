import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkPortAccess } from '../bridge/cli/doctor.js';

describe('doctor on a serial port', () => {
  it.runIf(process.platform === 'linux')('says which program holds the port, and what to do', () => {
    const dir = mkdtempSync(join(tmpdir(), 'botduino-doctor-'));
    const port = join(dir, 'ttyACM0');
    writeFileSync(port, '');
    try {
      expect(checkPortAccess(port).status).toBe('ok');
      const fd = openSync(port, 'r+');
      try {
        const c = checkPortAccess(port);
        expect(c.status).toBe('warn');
        expect(c.detail).toContain(`(PID ${process.pid})`);
        expect(c.fix).toMatch(/Close that program/);
      } finally {
        closeSync(fd);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
