/** `npm run conformance [-- flags]`: runs the Gateway API conformance suite (test/conformance/run-conformance.ts). */
import { parseOptions, runConformance } from './run-conformance.js';

runConformance(parseOptions(process.argv.slice(2))).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`[conformance] ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exit(1);
  },
);
