import { useVirtualizer } from '@tanstack/react-virtual';
import { type CSSProperties, type ReactNode, useRef } from 'react';
import styles from './data-list.module.css';

/**
 * The rows of a long DataList, only those in view (loaded on demand with @tanstack/react-virtual).
 * It scrolls with the DataList's scroller (the nearest `data-scroller` ancestor).
 */
export function VirtualRows({
  count,
  rowHeight,
  renderRow,
}: {
  count: number;
  rowHeight: number;
  renderRow: (index: number, style: CSSProperties) => ReactNode;
}) {
  // Found from this component's own node, not from a ref of the scroller: when the scroller mounts in
  // the same commit as these rows (the Edit dialog getting its data), the virtualizer's layout effect
  // runs before an ancestor's ref is attached, and it would list no row until some later re-render.
  const bodyRef = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count,
    getScrollElement: () => bodyRef.current?.closest<HTMLElement>('[data-scroller]') ?? null,
    estimateSize: () => rowHeight,
    overscan: 8,
  });
  return (
    <div ref={bodyRef} role="rowgroup" className={styles.body} style={{ height: virtualizer.getTotalSize() }}>
      {virtualizer
        .getVirtualItems()
        .map((item) => renderRow(item.index, { transform: `translateY(${item.start}px)`, height: item.size }))}
    </div>
  );
}
