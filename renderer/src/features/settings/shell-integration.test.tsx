import { cleanup, render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import { installFakeBridge } from '../../test-support/fake-bridge.js';
import { ShellIntegrationSection } from './ShellIntegrationSection.js';

afterEach(cleanup);

describe('right-click integration in Settings', () => {
  it('installs and removes, saying exactly what changed', async () => {
    const bridge = installFakeBridge({
      'shell:status': () => ({ platform: 'linux', installed: false, written: [], removed: [], notes: [] }),
      'shell:install': () => ({
        platform: 'linux',
        installed: true,
        written: ['/home/me/.local/share/applications/coffer.desktop'],
        removed: [],
        notes: [],
      }),
      'shell:uninstall': () => ({
        platform: 'linux',
        installed: false,
        written: [],
        removed: ['/home/me/.local/share/applications/coffer.desktop'],
        notes: [],
      }),
    });
    const user = userEvent.setup();
    render(<ShellIntegrationSection headingId="shell" />);
    expect((await screen.findByRole('status')).textContent).toBe('Not installed.');
    await user.click(screen.getByRole('button', { name: 'Add to the right-click menu' }));
    expect((await screen.findByText('Installed.')).textContent).toBe('Installed.');
    expect(screen.getByRole('list', { name: 'What changed' }).textContent).toContain(
      'Wrote /home/me/.local/share/applications/coffer.desktop',
    );
    await user.click(screen.getByRole('button', { name: 'Remove from the right-click menu' }));
    expect((await screen.findByText('Not installed.')).textContent).toBe('Not installed.');
    expect(bridge.calls.map((c) => c.channel)).toEqual(['shell:status', 'shell:install', 'shell:uninstall']);
  });

  it('explains when the integration is not available', async () => {
    installFakeBridge({
      'shell:status': () => {
        throw { code: 'COFFER.5001', message: 'Right-click integration is set up by the installed desktop app.' };
      },
    });
    render(<ShellIntegrationSection headingId="shell" />);
    expect((await screen.findByRole('alert')).textContent).toMatch(/installed desktop app/);
  });
});
