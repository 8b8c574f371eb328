import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface SoftwareTpm {
  /** TPM2TOOLS_TCTI for tpm2-tools (and so for Coffer) to reach this TPM. */
  env: { TPM2TOOLS_TCTI: string };
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function reachable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.on('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

/**
 * A TPM 2.0 of its own: swtpm on a loopback port with its state in a temporary folder, started
 * and initialized (startup-clear) as a machine's TPM is at boot. `stop` ends it and removes the state.
 */
export async function startSwtpm(): Promise<SoftwareTpm> {
  const state = await mkdtemp(join(tmpdir(), 'coffer-swtpm-'));
  for (let attempt = 0; attempt < 5; attempt += 1) {
    const port = await freePort();
    const child: ChildProcess = spawn(
      'swtpm',
      [
        'socket',
        '--tpm2',
        '--server',
        `type=tcp,port=${port},bindaddr=127.0.0.1`,
        '--ctrl',
        `type=tcp,port=${port + 1},bindaddr=127.0.0.1`,
        '--tpmstate',
        `dir=${state}`,
        '--flags',
        'not-need-init,startup-clear',
      ],
      { stdio: 'ignore' },
    );
    let exited = false;
    child.on('exit', () => (exited = true));
    for (let wait = 0; wait < 50 && !exited; wait += 1) {
      if (await reachable(port)) {
        return {
          env: { TPM2TOOLS_TCTI: `swtpm:host=127.0.0.1,port=${port}` },
          stop: async () => {
            if (!exited) {
              const done = new Promise((resolve) => child.on('exit', resolve));
              child.kill('SIGTERM');
              await done;
            }
            await rm(state, { recursive: true, force: true });
          },
        };
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    if (!exited) child.kill('SIGKILL');
  }
  await rm(state, { recursive: true, force: true });
  throw new Error('swtpm did not start (is it installed? apt-get install swtpm swtpm-tools)');
}
