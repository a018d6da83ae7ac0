/**
 * Golden-file helpers: YAML with sorted keys, no timestamps. `UPDATE_GOLDEN=1` rewrites the files;
 * otherwise a difference fails the test and the diff shows what the change does to real config.
 */
import fs from 'node:fs';
import YAML from 'yaml';

export const UPDATE_GOLDEN = process.env['UPDATE_GOLDEN'] === '1';

export function toGoldenYaml(value: unknown): string {
  return YAML.stringify(value, { sortMapEntries: true, lineWidth: 0, aliasDuplicateObjects: false });
}

/** Compares `actual` with the golden file (or writes it under UPDATE_GOLDEN=1). Returns the expected text. */
export function checkGolden(file: string, actual: unknown): { expected: string; actual: string } {
  const text = toGoldenYaml(actual);
  if (UPDATE_GOLDEN || !fs.existsSync(file)) {
    if (!UPDATE_GOLDEN && process.env['CI'])
      throw new Error(`golden file ${file} is missing (run with UPDATE_GOLDEN=1)`);
    fs.writeFileSync(file, text);
    return { expected: text, actual: text };
  }
  return { expected: fs.readFileSync(file, 'utf8'), actual: text };
}
