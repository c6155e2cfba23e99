/** A file that a generator writes: `npm run generate` writes them all, and test/generated.test.ts fails when a committed copy differs. */
export interface GeneratedFile {
  /** Path relative to the repository root. */
  path: string;
  content: string;
}
