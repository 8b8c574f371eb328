import type { CofferBridge, EventPayloads } from '../shared/ipc-contract.js';

/**
 * A first, plain page over the bridge: vault status, a drop zone and the job log. The React
 * screens replace it; it already exercises the contract end to end (see test/e2e).
 */
declare global {
  interface Window {
    coffer: CofferBridge;
  }
}

const coffer = window.coffer;
const vaultLine = document.querySelector<HTMLParagraphElement>('#vault')!;
const keySelect = document.querySelector<HTMLSelectElement>('#key')!;
const jobs = document.querySelector<HTMLUListElement>('#jobs')!;
const drop = document.querySelector<HTMLElement>('#drop')!;
const lines = new Map<string, HTMLLIElement>();

function line(jobId: string): HTMLLIElement {
  let li = lines.get(jobId);
  if (!li) {
    li = document.createElement('li');
    li.dataset.job = jobId;
    jobs.prepend(li);
    lines.set(jobId, li);
  }
  return li;
}

function mib(bytes: number): string {
  return `${(bytes / 1048576).toFixed(1)} MiB`;
}

async function refresh(): Promise<void> {
  const status = await coffer.invoke('vault:status', {});
  if (!status.ok) {
    vaultLine.textContent = status.error.message;
    return;
  }
  const s = status.value;
  vaultLine.textContent =
    s.state === 'unlocked'
      ? `Vault ${s.vault_id} is open (${s.protection}).`
      : s.state === 'none'
        ? 'There is no vault yet: create one with `coffer init`.'
        : (s.problem?.message ?? 'The vault is locked.');
  const keys = await coffer.invoke('keys:list', { key_state: 2 });
  keySelect.replaceChildren(
    ...(keys.ok ? keys.value.key_details : []).map((k) =>
      Object.assign(document.createElement('option'), { value: k.key_id, textContent: k.key_alias }),
    ),
  );
}

coffer.on('jobs:progress', (p: EventPayloads['jobs:progress']) => {
  const name = p.file.split(/[\\/]/).pop();
  line(p.job_id).textContent =
    `${name}: ${mib(p.overall_done)} of ${mib(p.overall_total)} (file ${p.file_index + 1} of ${p.file_count})`;
});
coffer.on('jobs:finished', (f: EventPayloads['jobs:finished']) => {
  const failed = f.results.filter((r) => r.status === 'error');
  const li = line(f.job_id);
  li.textContent = f.cancelled
    ? 'Cancelled.'
    : `Done: ${f.results.filter((r) => r.status === 'ok').length} file(s)${failed.length ? `, ${failed.length} failed` : ''}.`;
  li.dataset.state = 'finished';
  for (const r of failed)
    if (r.status === 'error')
      li.append(
        Object.assign(document.createElement('div'), { className: 'error', textContent: `${r.input}: ${r.error.error_msg}` }),
      );
});
// Main starts jobs for files from the desktop itself (with the default key); say what arrived.
coffer.on('launch:files', (files: EventPayloads['launch:files']) => {
  const count = files.encrypt.length + files.decrypt.length;
  if (count > 0) vaultLine.textContent = `${count} item(s) received from the desktop.`;
});

async function start(action: 'encrypt' | 'decrypt', paths: string[]): Promise<void> {
  const result = await coffer.invoke('jobs:start', {
    action,
    paths,
    ...(action === 'encrypt' ? { key_id: keySelect.value } : {}),
  });
  if (!result.ok) vaultLine.textContent = result.error.message;
}

drop.addEventListener('dragover', (e) => {
  e.preventDefault();
  drop.classList.add('over');
});
drop.addEventListener('dragleave', () => drop.classList.remove('over'));
drop.addEventListener('drop', (e) => {
  e.preventDefault();
  drop.classList.remove('over');
  const paths = [...(e.dataTransfer?.files ?? [])].map((f) => coffer.getPathForFile(f)).filter(Boolean);
  void coffer.invoke('files:classify', { paths }).then((r) => {
    if (!r.ok) return;
    const decrypt = r.value.files.filter((f) => f.kind === 'coffer').map((f) => f.path);
    const encrypt = r.value.files.filter((f) => f.kind === 'file' || f.kind === 'folder').map((f) => f.path);
    if (decrypt.length) void start('decrypt', decrypt);
    if (encrypt.length) void start('encrypt', encrypt);
  });
});

void refresh();
