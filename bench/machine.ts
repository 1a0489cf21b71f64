import { cpus, totalmem, type } from 'node:os';

/** The machine a benchmark ran on, as BENCHMARKS.md records it. */
export function machine(): string {
  const cpu = cpus();
  return `${cpu[0]?.model.trim() ?? 'unknown CPU'}, ${cpu.length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, ${type()} ${process.arch}, Node ${process.version}`;
}
