import { buildApp, openAppDatabase } from './app.js';
import { ConfigError, loadConfig } from './config.js';

/** loadConfig → openDatabase → buildApp → listen; closes gracefully on SIGTERM/SIGINT. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
  const database = await openAppDatabase(config);
  const app = await buildApp({ config, database });
  if (config.auth.builtin && !config.mail.smtpUrl) {
    app.log.warn(
      'The built-in auth service does not verify e-mail addresses (no SMTP is configured): its tokens carry no email_verified claim, ' +
        'and invitations bound to an e-mail trust the address a user signed up with.',
    );
  }

  // SIGTERM: /readyz turns unready first, then after SHUTDOWN_DRAIN the node stops
  // accepting, finishes the requests in flight and closes the database.
  let closing = false;
  const close = async (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'shutting down');
    app.drain();
    if (signal === 'SIGTERM' && config.shutdownDrainSeconds > 0) {
      await new Promise((resolve) => setTimeout(resolve, config.shutdownDrainSeconds * 1000));
    }
    try {
      await app.close();
      await database.close();
      process.exit(0);
    } catch (error) {
      app.log.error({ err: error }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.once('SIGTERM', () => void close('SIGTERM'));
  process.once('SIGINT', () => void close('SIGINT'));

  await app.listen({ port: config.port, host: config.host });
  app.log.info({ url: config.publicUrl, database: config.database.dialect }, 'account service ready');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
