import { useVirtualizer } from '@tanstack/react-virtual';
import type { CSSProperties, ReactNode, RefObject } from 'react';
import styles from './data-list.module.css';

/** The rows of a long DataList, only those in view (loaded on demand with @tanstack/react-virtual). */
export function VirtualRows({
  count,
  rowHeight,
  scrollRef,
  renderRow,
}: {
  count: number;
  rowHeight: number;
  scrollRef: RefObject<HTMLDivElement | null>;
  renderRow: (index: number, style: CSSProperties) => ReactNode;
}) {
  const virtualizer = useVirtualizer({
    count,
    getScrollElement: () => scrollRef.current,
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
