/**
 * Every generated file of the project, from one place: `npm run generate`
 * writes them, and test/generated.test.ts fails when the committed copies
 * differ from a fresh generation.
 */
import type { GeneratedFile } from '../firmware/generator/generated-file.js';
import * as protocol from '../firmware/generator/protocol.js'; // C++ protocol runtime, test vectors, protocol reference
import * as device from '../firmware/generator/device.js'; // device JSON Schema, preset config headers and PlatformIO projects
import * as configSchema from '../bridge/config-schema.js'; // config.schema.json for editors

export type { GeneratedFile };

const GENERATORS: { outputs(): GeneratedFile[] | Promise<GeneratedFile[]> }[] = [protocol, device, configSchema];

export async function allGeneratedFiles(): Promise<GeneratedFile[]> {
  const files: GeneratedFile[] = [];
  for (const m of GENERATORS) files.push(...(await m.outputs()));
  return files;
}
