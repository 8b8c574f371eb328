import { observeElementRect, useVirtualizer } from '@tanstack/react-virtual';
import { useRef, type ReactNode } from 'react';

/**
 * A list of fixed-height rows that renders only what is in view (plus a few either side), so
 * thousands of files cost what a screenful does. Rows keep the height they are given, so
 * nothing below moves while a list fills. Each row is a listitem carrying its place in the
 * whole list (aria-posinset / aria-setsize), since most rows are not in the DOM.
 */
export function VirtualList({
  count,
  rowHeight,
  maxRows,
  label,
  renderRow,
  rowKey,
  testId,
}: {
  count: number;
  rowHeight: number;
  maxRows: number;
  label: string;
  renderRow: (index: number) => ReactNode;
  rowKey?: (index: number) => string | number;
  testId?: string;
}): ReactNode {
  const scrollRef = useRef<HTMLDivElement>(null);
  const height = Math.min(count, maxRows) * rowHeight;
  const heightRef = useRef(height);
  heightRef.current = height;
  const virtualizer = useVirtualizer({
    count,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => rowHeight,
    overscan: 6,
    ...(rowKey ? { getItemKey: rowKey } : {}),
    // The viewport's height is set right here; where layout reports none (a detached or
    // not-yet-laid-out element), fall back to it instead of rendering nothing.
    observeElementRect: (instance, cb) =>
      observeElementRect(instance, (rect) => cb(rect.height > 0 ? rect : { width: rect.width, height: heightRef.current })),
  });
  return (
    <div ref={scrollRef} className="vlist" style={{ height }} data-testid={testId}>
      <div role="list" aria-label={label} className="vlist-inner" style={{ height: virtualizer.getTotalSize() }}>
        {virtualizer.getVirtualItems().map((item) => (
          <div
            key={item.key}
            role="listitem"
            aria-setsize={count}
            aria-posinset={item.index + 1}
            className="vrow"
            style={{ height: rowHeight, transform: `translateY(${item.start}px)` }}
          >
            {renderRow(item.index)}
          </div>
        ))}
      </div>
    </div>
  );
}
