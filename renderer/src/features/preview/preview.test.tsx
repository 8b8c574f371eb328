import { act, cleanup, render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { useState, type ReactNode } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import { installFakeBridge, type FakeHandlers } from '../../test-support/fake-bridge.js';
import { PreviewDialog } from './PreviewDialog.js';

function Opener({ path }: { path: string }): ReactNode {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button type="button" onClick={() => setOpen(true)}>
        Open
      </button>
      {open && <PreviewDialog file={{ handle: `handle:${path}`, path }} onClose={() => setOpen(false)} />}
    </>
  );
}

async function openWith(handlers: FakeHandlers, path: string): Promise<HTMLElement> {
  installFakeBridge(handlers);
  const user = userEvent.setup();
  render(<Opener path={path} />);
  await user.click(screen.getByRole('button', { name: 'Open' }));
  return screen.getByRole('dialog');
}

afterEach(cleanup);

describe('PreviewDialog', () => {
  it('shows a video with controls from the media URL, whatever the name says', async () => {
    let answer: (value: { url: string; mime_type: string; size: number }) => void = () => {};
    const dialog = await openWith(
      { 'media:open': () => new Promise((resolve) => (answer = resolve)) },
      '/films/trip.webm.coffer',
    );
    expect(dialog.getAttribute('aria-modal')).toBe('true');
    expect(within(dialog).getByRole('status').textContent).toBe('Opening trip.webm…');
    await act(async () => answer({ url: 'coffer-media://media/abc', mime_type: 'video/webm', size: 5_000_000 }));
    expect(await within(dialog).findByText(/4\.8 MiB · decrypted in memory/)).toBeTruthy();
    const video = dialog.querySelector('video');
    expect(video?.getAttribute('src')).toBe('coffer-media://media/abc');
    expect(video?.hasAttribute('controls')).toBe(true);
    expect(video?.getAttribute('aria-label')).toBe('trip.webm');
  });

  it('says in plain words why a file cannot be shown', async () => {
    const dialog = await openWith(
      {
        'media:open': () => {
          throw { code: 'COFFER.2006', message: 'No key in this vault can open the file.' };
        },
      },
      '/photos/cat.png.coffer',
    );
    expect((await within(dialog).findByRole('alert')).textContent).toBe(
      'Coffer could not show cat.png. No key in this vault can open the file.',
    );
    expect(within(dialog).queryByRole('img')).toBeNull();
  });

  it('keeps focus inside, and closes on Escape with focus back on the opener', async () => {
    const dialog = await openWith(
      { 'media:open': () => ({ url: 'coffer-media://media/abc', mime_type: 'image/png', size: 10 }) },
      '/photos/cat.png.coffer',
    );
    const user = userEvent.setup();
    const close = within(dialog).getByRole('button', { name: 'Close' });
    expect(document.activeElement).toBe(close);
    await user.tab();
    expect(document.activeElement).toBe(close);
    await user.tab({ shift: true });
    expect(document.activeElement).toBe(close);
    await user.keyboard('{Escape}');
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Open' }));
  });

  it('closes when the backdrop is clicked, not when the picture is', async () => {
    const dialog = await openWith(
      { 'media:open': () => ({ url: 'coffer-media://media/abc', mime_type: 'image/png', size: 10 }) },
      '/photos/cat.png.coffer',
    );
    const user = userEvent.setup();
    await user.click(await within(dialog).findByRole('img', { name: 'cat.png' }));
    expect(screen.getByRole('dialog')).toBeTruthy();
    await user.click(dialog.parentElement!);
    expect(screen.queryByRole('dialog')).toBeNull();
  });
});
