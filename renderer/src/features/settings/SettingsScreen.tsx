import type { ReactNode } from 'react';
import { EmptyState } from '../../ui/controls.js';

export function SettingsScreen(): ReactNode {
  return <EmptyState title="Coming soon" />;
}
