/**
 * The app as the streaming benchmark runs it: its own process (so its memory, CPU and event loop are measured apart
 * from the fakes driving it), started like `npm start` from the environment, with the edit policy under test
 * (`BENCH_EDIT_POLICY`, see `policies.ts`). It answers `{ type: 'reset' }` and `{ type: 'stats' }` over IPC.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { startApp } from '../../src/app.ts';
import { loadConfig, SECRET_VARIABLES } from '../../src/config/load.ts';
import { createLogger } from '../../src/core/log.ts';
import { type EditPolicy, editPacing } from './policies.ts';

export interface AppStats {
  /** Peak resident set size of the process, in bytes. */
  readonly maxRssBytes: number;
  /** CPU time (user + system) since the last reset, in ms. */
  readonly cpuMs: number;
  /** The part of it spent in the kernel (sockets, files), in ms. */
  readonly systemCpuMs: number;
  readonly eventLoopDelayP99Ms: number;
  readonly eventLoopDelayMaxMs: number;
}

const policy = (process.env.BENCH_EDIT_POLICY ?? 'budget') as EditPolicy;
const config = loadConfig(process.env);
const logger = createLogger({ level: config.log.level, secrets: SECRET_VARIABLES.map((name) => process.env[name]) });
const pacing = editPacing(policy);
const app = await startApp(config, { logger, host: '127.0.0.1', ...(pacing !== undefined ? { editPacing: pacing } : {}) });

const loop = monitorEventLoopDelay({ resolution: 10 });
loop.enable();
let cpuBase = process.cpuUsage();

process.on('message', (message: { type?: string }) => {
  if (message.type === 'reset') {
    loop.reset();
    cpuBase = process.cpuUsage();
    process.send?.({ type: 'reset' });
  } else if (message.type === 'stats') {
    const cpu = process.cpuUsage(cpuBase);
    const stats: AppStats = {
      maxRssBytes: process.resourceUsage().maxRSS * 1024,
      cpuMs: (cpu.user + cpu.system) / 1000,
      systemCpuMs: cpu.system / 1000,
      eventLoopDelayP99Ms: loop.percentile(99) / 1e6,
      eventLoopDelayMaxMs: loop.max / 1e6,
    };
    process.send?.({ type: 'stats', stats });
  }
});
process.on('SIGTERM', () => {
  void app.stop().then(() => process.exit(0));
});
process.send?.({ type: 'ready', port: app.port });
