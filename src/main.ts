import { existsSync, readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import { startApp } from './app.ts';
import { loadConfig, SECRET_VARIABLES } from './config/load.ts';
import { describeStartupFailure } from './config/startup-failure.ts';
import { ConfigError } from './core/errors.ts';
import { createLogger, scrubSecrets } from './core/log.ts';

/** Variables already set in the environment win over the `.env` file, as with every dotenv tool. */
function environment(): NodeJS.ProcessEnv {
  if (!existsSync('.env')) return process.env;
  return { ...parseEnv(readFileSync('.env', 'utf8')), ...process.env };
}

const SHUTDOWN_LIMIT_MS = 10_000;

async function main(): Promise<void> {
  const env = environment();
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const secrets = SECRET_VARIABLES.map((name) => env[name]);
  const logger = createLogger({ level: config.log.level, secrets });
  const app = await startApp(config, { logger }).catch((error: unknown) => {
    logger.fatal({ err: error }, 'fin-slack could not start');
    // The log line is for machines (and keeps the stack); whoever started the app reads what to fix, plainly.
    const failure = describeStartupFailure(error, config);
    process.stderr.write(
      `${scrubSecrets(
        failure.text,
        secrets.filter((s): s is string => s !== undefined && s.length >= 6),
      )}\n`,
    );
    process.exit(1);
  });

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const deadline = setTimeout(() => {
      logger.warn('shutdown took too long; exiting');
      process.exit(1);
    }, SHUTDOWN_LIMIT_MS);
    deadline.unref();
    app.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'error during shutdown');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

void main();
