// `npm start` runs this before the build: a busy port is reported in a second, with the fix,
// instead of after a build that was for nothing. Reads PORT and HOST as the server does.
import { createServer } from 'node:net';

const port = Number(process.env.PORT || 5000);
const host = process.env.HOST || 'localhost';

const probe = createServer();
probe.once('error', (error) => {
  if (error.code === 'EADDRINUSE') {
    process.stderr.write(
      `flight-board-server: port ${port} on ${host} is already in use (another \`npm start\`?).\n` +
        `Stop that process, or start on another port: PORT=${port + 1} npm start\n`,
    );
  } else {
    process.stderr.write(`flight-board-server: cannot listen on ${host}:${port}: ${error.message}\n`);
  }
  process.exit(2);
});
probe.listen({ port, host }, () => probe.close());
