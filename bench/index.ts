import { formatSection } from './format-section.ts';
import { writeSection } from './report.ts';
import { streamingSection } from './streaming/section.ts';

/**
 * `npm run bench`: runs every benchmark and writes its section of BENCHMARKS.md. `BENCH_ONLY=format` or
 * `BENCH_ONLY=streaming` runs one; `BENCH_LEVELS=1,10` and
 * `BENCH_POLICIES=budget` narrow the streaming run; `BENCH_PROFILE=<dir>` writes the app's CPU profiles there.
 */
const only = process.env.BENCH_ONLY;
const started = performance.now();
if (only === undefined || only === 'format') writeSection('format', formatSection());
if (only === undefined || only === 'streaming') writeSection('streaming', await streamingSection());
console.log(`BENCHMARKS.md updated in ${((performance.now() - started) / 1000).toFixed(0)} s`);
