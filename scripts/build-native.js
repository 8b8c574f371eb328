// Builds the optional AES-GCM addon (electron/crypto/native) with node-gyp and copies it to
// dist/native/, where electron/crypto/frame-cipher.ts looks for it. The addon only makes the engine
// faster: when it cannot be built (no C compiler, no Node headers), Coffer uses node:crypto, so
// this prints why and what to install, and never fails the build.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const source = 'electron/crypto/native';
const built = join(source, 'build/Release/coffer_aes_gcm.node');
const target = 'dist/native/coffer_aes_gcm.node';
const inputs = [join(source, 'aes-gcm.c'), join(source, 'binding.gyp')];

const mtime = (path) => statSync(path).mtimeMs;
if (existsSync(target) && inputs.every((input) => mtime(input) <= mtime(target))) process.exit(0);

try {
  const nodeGyp = createRequire(import.meta.url).resolve('node-gyp/bin/node-gyp.js');
  // Build against the headers of the Node that runs this (npm passes its nodedir setting as
  // npm_config_nodedir; Node's own installs keep them in PREFIX/include/node), not a download.
  const prefix = dirname(dirname(process.execPath));
  const nodedir = process.env.npm_config_nodedir ?? (existsSync(join(prefix, 'include/node/node_api.h')) ? prefix : undefined);
  const args = ['rebuild', '--directory', source, '--loglevel', 'warn', ...(nodedir ? [`--nodedir=${nodedir}`] : [])];
  execFileSync(process.execPath, [nodeGyp, ...args], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  mkdirSync('dist/native', { recursive: true });
  copyFileSync(built, target);
} catch (error) {
  rmSync(target, { force: true });
  const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
  process.stderr.write(
    `build-native: the AES-GCM addon was not built (${reason}; node-gyp's messages are above).\n` +
      '  Coffer still works, with node:crypto, which is slower on large files.\n' +
      '  To build it, install a C compiler, make and python3 (Debian: build-essential python3), then run `npm run build`.\n',
  );
}
