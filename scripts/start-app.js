// `npm start`: launches the real Electron app. Electron's binary is fetched on first use; where it
// cannot be (no network, or a CI machine like ours), say so plainly instead of failing obscurely.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
let electronBinary;
try {
  electronBinary = require('electron');
} catch (error) {
  process.stderr.write(
    '\nCoffer cannot start the desktop app on this machine: the Electron binary is not installed and could not be downloaded.\n' +
      `  (${error instanceof Error ? error.message.split('\n')[0] : String(error)})\n` +
      'On a machine that can reach the Electron release downloads, `npm install && npm start` fetches it and starts the app.\n' +
      'Everything else works without it: try `npx coffer --help`, and `npm test` for the test suite.\n',
  );
  process.exit(1);
}
const child = spawn(electronBinary, ['.', ...process.argv.slice(2)], { stdio: 'inherit' });
child.on('exit', (code, signal) => process.exit(signal ? 1 : (code ?? 0)));
