/** `npm run sandbox`: the product on this machine, no Slack workspace or Intercom account needed. */
import { ConfigError } from '../src/core/errors.ts';
import { Sandbox } from './sandbox.ts';

const requested = Number(process.env.SANDBOX_PORT ?? 3100);
const port = Number.isInteger(requested) && requested >= 0 && requested < 65_536 ? requested : 3100;
let sandbox: Sandbox;
try {
  sandbox = await Sandbox.start({ port, ...(process.env.LOG_LEVEL ? { logLevel: process.env.LOG_LEVEL } : {}) });
} catch (error) {
  const inUse = (error as { code?: unknown }).code === 'EADDRINUSE';
  // The sandbox configures the app itself; of the environment it reads only SANDBOX_PORT and LOG_LEVEL.
  const why =
    error instanceof ConfigError
      ? error.problems.map((p) => `  - ${p.variable} ${p.message}`).join('\n')
      : `  ${error instanceof Error ? error.message : String(error)}`;
  process.stderr.write(
    inUse
      ? `fin-slack sandbox: port ${port} is in use; choose another with SANDBOX_PORT (0 picks a free one).\n`
      : `fin-slack sandbox could not start:\n${why}\n`,
  );
  process.exit(1);
}
process.stdout.write(
  `fin-slack sandbox: ${sandbox.url}\n(the real app against a local Slack emulator and Fin simulator; Ctrl-C stops it)\n`,
);

let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  void sandbox.close().then(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
