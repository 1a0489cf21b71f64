/** `npm run sandbox`: the product on this machine, no Slack workspace or Intercom account needed. */
import { Sandbox } from './sandbox.ts';

const port = Number(process.env.SANDBOX_PORT ?? 3100);
const sandbox = await Sandbox.start({ port: Number.isInteger(port) && port >= 0 ? port : 3100, ...(process.env.LOG_LEVEL ? { logLevel: process.env.LOG_LEVEL } : {}) });
process.stdout.write(`fin-slack sandbox: ${sandbox.url}\n(the real app against a local Slack emulator and Fin simulator; Ctrl-C stops it)\n`);

let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  void sandbox.close().then(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
