import type { ReactNode } from 'react';
import { EmptyState } from '../../ui/controls.js';

export function DataKeysScreen(): ReactNode {
  return <EmptyState title="Coming soon" />;
}
