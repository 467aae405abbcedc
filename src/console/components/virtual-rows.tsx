import { useVirtualizer } from '@tanstack/react-virtual';
import type { CSSProperties, ReactNode } from 'react';
import styles from './data-list.module.css';

/** The rows of a long DataList, only those in view (loaded on demand with @tanstack/react-virtual). */
export function VirtualRows({
  count,
  rowHeight,
  scrollElement,
  renderRow,
}: {
  count: number;
  rowHeight: number;
  /** The scrolling ancestor; null until it is mounted. */
  scrollElement: HTMLElement | null;
  renderRow: (index: number, style: CSSProperties) => ReactNode;
}) {
  const virtualizer = useVirtualizer({
    count,
    getScrollElement: () => scrollElement,
    estimateSize: () => rowHeight,
    overscan: 8,
  });
  return (
    <div role="rowgroup" className={styles.body} style={{ height: virtualizer.getTotalSize() }}>
      {virtualizer
        .getVirtualItems()
        .map((item) => renderRow(item.index, { transform: `translateY(${item.start}px)`, height: item.size }))}
    </div>
  );
}
