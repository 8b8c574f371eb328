import type { ReactNode } from 'react';
import { splitForMiddleEllipsis } from './format.js';

/**
 * A file name that, when short of room, loses characters from its middle: the head ends in "…",
 * the tail (the last characters and the extensions, ".png.coffer") always shows. Screen readers
 * and copy get the whole name.
 */
export function FileName({
  name,
  id,
  className,
  title,
}: {
  name: string;
  id?: string;
  className?: string;
  title?: string;
}): ReactNode {
  const { head, tail } = splitForMiddleEllipsis(name);
  return (
    <span id={id} className={['file-name', className].filter(Boolean).join(' ')} title={title ?? name}>
      <span className="file-name-head">{head}</span>
      <span className="file-name-tail">{tail}</span>
    </span>
  );
}
