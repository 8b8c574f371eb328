import { CofferError } from '../../shared/errors.js';
import type { ShellReport } from '../../shared/ipc-contract.js';
import type { DomainHandlers } from './handler-types.js';

export type ShellAction = 'install' | 'uninstall' | 'status';

/** The right-click integration, done by whatever main passes for the running app. */
export function shellHandlers(integration?: (action: ShellAction) => Promise<ShellReport>): DomainHandlers<'shell'> {
  const run = (action: ShellAction): Promise<ShellReport> =>
    integration
      ? integration(action)
      : Promise.reject(new CofferError('COFFER.5001', 'Right-click integration is set up by the installed desktop app.'));
  return {
    'shell:status': () => run('status'),
    'shell:install': () => run('install'),
    'shell:uninstall': () => run('uninstall'),
  };
}
