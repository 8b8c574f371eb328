// Builds the optional AES-GCM addon (electron/core/crypto/native) with node-gyp and copies it to
// dist/native/, where electron/core/crypto/frame-cipher.ts looks for it. The addon only makes the engine
// faster: when it cannot be built (no C compiler, no Node headers), Coffer uses node:crypto, so
// this prints why and what to install, and never fails the build.
// Two builds of the one source: coffer_aes_gcm.node uses the OpenSSL that `node` exports;
// coffer_aes_gcm_static.node (Linux, where libssl-dev's libcrypto.a is installed) carries its own,
// for Electron, whose BoringSSL exports nothing to link against.
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const source = 'electron/core/crypto/native';
const addons = [
  { directory: source, name: 'coffer_aes_gcm', inputs: [join(source, 'aes-gcm.c'), join(source, 'binding.gyp')] },
  ...(process.platform === 'linux'
    ? [
        {
          directory: join(source, 'static'),
          name: 'coffer_aes_gcm_static',
          inputs: [join(source, 'aes-gcm.c'), join(source, 'static/binding.gyp')],
          missing: 'install libssl-dev (its libcrypto.a), then run `npm run build`',
        },
      ]
    : []),
];

const mtime = (path) => statSync(path).mtimeMs;

function build({ directory, name, inputs }) {
  const target = `dist/native/${name}.node`;
  if (existsSync(target) && inputs.every((input) => mtime(input) <= mtime(target))) return;
  rmSync(target, { force: true });
  const nodeGyp = createRequire(import.meta.url).resolve('node-gyp/bin/node-gyp.js');
  // Build against the headers of the Node that runs this (npm passes its nodedir setting as
  // npm_config_nodedir; Node's own installs keep them in PREFIX/include/node), not a download.
  const prefix = dirname(dirname(process.execPath));
  const nodedir = process.env.npm_config_nodedir ?? (existsSync(join(prefix, 'include/node/node_api.h')) ? prefix : undefined);
  const args = ['rebuild', '--directory', directory, '--loglevel', 'warn', ...(nodedir ? [`--nodedir=${nodedir}`] : [])];
  execFileSync(process.execPath, [nodeGyp, ...args], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  mkdirSync('dist/native', { recursive: true });
  copyFileSync(join(directory, `build/Release/${name}.node`), target);
}

for (const addon of addons) {
  try {
    build(addon);
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    process.stderr.write(
      `build-native: ${addon.name}.node was not built (${reason}; node-gyp's messages are above).\n` +
        (addon.missing
          ? `  Coffer still works; under Electron it then uses node:crypto, which is slower on large files. To build it, ${addon.missing}.\n`
          : '  Coffer still works, with node:crypto, which is slower on large files.\n' +
            '  To build it, install a C compiler, make and python3 (Debian: build-essential python3), then run `npm run build`.\n'),
    );
  }
}

// The `coffer` command for scripts as a small program (electron/agent/native/coffer-client.c):
// it sends file commands to a running agent without Node's start-up, and runs everything else
// with `node bin/coffer.cjs`. Linux and macOS only (the agent's socket is a Unix socket);
// optional like the addon: without it, bin/coffer.cjs is the command.
const client = { source: 'electron/agent/native/coffer-client.c', target: 'dist/native/coffer' };
if (process.platform !== 'win32') {
  const temp = `${client.target}.${process.pid}.tmp`;
  try {
    if (!existsSync(client.target) || mtime(client.source) > mtime(client.target)) {
      mkdirSync('dist/native', { recursive: true });
      execFileSync(process.env.CC || 'cc', ['-O2', '-Wall', '-Wextra', '-o', temp, client.source, '-lm'], {
        stdio: ['ignore', 'ignore', 'inherit'],
      });
      chmodSync(temp, 0o755);
      renameSync(temp, client.target);
    }
  } catch (error) {
    // An older build is not kept: it would speak what this source no longer does.
    rmSync(temp, { force: true });
    rmSync(client.target, { force: true });
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    process.stderr.write(
      `build-native: dist/native/coffer was not built (${reason}).\n` +
        "  Coffer still works: bin/coffer.cjs is the command, with Node's start-up on each run.\n" +
        '  To build it, install a C compiler (Debian: build-essential), then run `npm run build`.\n',
    );
  }
}

// `coffer` as npm links it (package.json "bin": bin/coffer, not in git): a link to the small
// program where it was built, else to bin/coffer.cjs (no C compiler). Windows gets a script that
// imports bin/coffer.cjs: a link there needs rights a user may not have. Replaced by a rename, so
// a command started meanwhile finds one or the other.
const command = 'bin/coffer';
const commandTemp = `${command}.${process.pid}.tmp`;
rmSync(commandTemp, { force: true });
if (process.platform === 'win32') {
  // Extensionless, in a "type": "module" package: Node loads it as an ES module.
  writeFileSync(commandTemp, "#!/usr/bin/env node\nimport './coffer.cjs';\n");
} else symlinkSync(existsSync(client.target) ? '../dist/native/coffer' : 'coffer.cjs', commandTemp);
renameSync(commandTemp, command);
