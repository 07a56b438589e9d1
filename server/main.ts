import type { AddressInfo } from 'node:net';
import { createApp } from './app.ts';
import { ConfigError, configFromEnv } from './config.ts';
import { Simulator } from './simulator.ts';
import { createStore } from './store/create-store.ts';

/** Starts the reference server: reads the configuration, builds the app, listens. */
async function main(): Promise<void> {
  const config = configFromEnv(process.env);
  const store = await createStore(config);
  const { app, hub } = createApp({ store, config });
  if (config.simulate) {
    await new Simulator(store, { seed: config.simulateSeed, speed: config.simulateSpeed }).start();
  }
  const server = app.listen(config.port, config.host, () => {
    const { port } = server.address() as AddressInfo;
    console.log(`flight-board listening on http://${config.host}:${port}/`);
  });
  const shutdown = () => {
    hub.dispose();
    server.close(() => process.exit(0));
    server.closeIdleConnections();
    setTimeout(() => process.exit(0), 5000).unref();
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    console.error(`flight-board: ${error.message}`);
    process.exit(2);
  }
  throw error;
});
