// `npm run dev`: the reference server (simulator on, writes enabled) and Vite's dev server for
// the demo, in one command. Edit src/ and the page reloads with the new element.
// With FLIGHT_BOARD_SERVER set (e.g. `npm start` in another terminal), only Vite starts.
// Vite flags pass through: `npm run dev -- --port 3000`.
import { randomBytes } from 'node:crypto';
import { createServer } from 'vite';
import { configFromEnv } from '../server/config.ts';
import { createLogger } from '../server/logger.ts';
import { type RunningServer, startServer } from '../server/start.ts';

const args = process.argv.slice(2);
const portFlag = args.indexOf('--port');
const port = portFlag === -1 ? undefined : Number(args[portFlag + 1]);

let server: RunningServer | undefined;
if (!process.env.FLIGHT_BOARD_SERVER) {
  const token = process.env.FLIGHT_BOARD_TOKEN ?? randomBytes(18).toString('base64url');
  const config = {
    ...configFromEnv({ SIMULATE: '1', LOG_LEVEL: 'warn', ...process.env }),
    host: '127.0.0.1',
    port: 0,
    token,
  };
  server = await startServer(config, createLogger(config.logLevel));
  process.env.FLIGHT_BOARD_SERVER = server.url.replace(/\/$/, '');
  console.log(`reference server: ${process.env.FLIGHT_BOARD_SERVER} (simulator on)`);
  console.log(`operator token:   ${token}`);
}

const vite = await createServer({
  configFile: 'vite.config.ts',
  ...(port === undefined ? {} : { server: { port } }),
});
await vite.listen();
const url = vite.resolvedUrls?.local[0] ?? '';
console.log(`demo (hot reload): ${url}  → /events and the REST API go to ${process.env.FLIGHT_BOARD_SERVER}`);

const stop = async () => {
  await vite.close();
  await server?.shutdown();
  process.exit(0);
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
