/**
 * Every generated file of the project, from one place: `npm run generate`
 * writes them, and test/generated.test.ts fails when the committed copies
 * differ from a fresh generation.
 */
export interface GeneratedFile {
  /** Path relative to the repository root. */
  path: string;
  content: string;
}

/** Modules that contribute generated files; each exports `outputs()`. */
const GENERATORS = [
  '../firmware/generator/protocol.js', // C++ protocol runtime, test vectors, protocol reference
  '../firmware/generator/device.js', // device JSON Schema, preset config headers and PlatformIO projects
  '../bridge/config-schema.js', // config.schema.json for editors
];

export async function allGeneratedFiles(): Promise<GeneratedFile[]> {
  const files: GeneratedFile[] = [];
  for (const mod of GENERATORS) {
    const m = (await import(mod)) as { outputs(): GeneratedFile[] | Promise<GeneratedFile[]> };
    files.push(...(await m.outputs()));
  }
  return files;
}
