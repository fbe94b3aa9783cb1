import { ConfigError, loadConfig } from './config.js';
import { createLogger } from './logger.js';
import { startGateway } from './app.js';
import { welcomeFirstRun } from './first-run.js';

let config;
try {
  config = loadConfig();
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(`Configuration error: ${error.message}`);
    process.exit(2);
  }
  throw error;
}
const logger = createLogger(config.logLevel, undefined, { traceIds: config.tracing });

try {
  const running = await startGateway(config, logger);
  // Handlers first: a signal during the first run's seeding, or from whoever reads the "listening" line, must drain and close the database.
  const shutdown = (signal: string) => {
    logger.info({ signal }, 'shutting down: draining requests');
    running.stop().then(
      () => {
        logger.info('stopped cleanly');
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
  await welcomeFirstRun(running.db, config, running.port, logger);
  const where = `http://${config.host}:${running.port}`;
  logger.info(
    { url: `${where}/graphql`, database: running.db.kind === 'pglite' ? `embedded PGlite in ${config.dataDir}` : 'PostgreSQL', pubsub: config.redisUrl ? 'redis' : 'in-process' },
    `incident-gateway listening: GraphiQL at ${where}/graphql, board at ${where}/board`,
  );
} catch (error) {
  logger.fatal({ err: error }, error instanceof Error ? error.message : 'failed to start');
  process.exit(1);
}
