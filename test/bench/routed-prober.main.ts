/** The child process of routed-prober.ts: HTTP probers driven over IPC (not a benchmark by itself). */
import { proberChildMain } from './routed-prober.js';

await proberChildMain();
process.exit(0);
