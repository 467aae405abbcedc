import { useVirtualizer } from '@tanstack/react-virtual';
import { type CSSProperties, type ReactNode, useRef } from 'react';
import styles from './data-list.module.css';

/** Rows rendered beyond each edge of the scroll area. */
const OVERSCAN = 8;

/**
 * The rows of a long DataList, only those in view (@tanstack/react-virtual). It scrolls with the
 * DataList's scroller (the nearest `data-scroller` ancestor).
 *
 * Its first render already lists the rows it will keep: the scroller is not mounted yet, so the
 * virtualizer starts from an estimate (the top of the list, as tall as the window) instead of an empty
 * size; once the scroller is measured (in a layout effect, before the first paint) the same rows stay,
 * with the same keys and DOM elements, and only those out of view go. A menu opened or a row focused
 * right after the list appears is therefore never lost to a second set of rows.
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
    overscan: OVERSCAN,
    // No scroller size before the first commit: without these the first render would list no row.
    // A scroller is never taller than the window, so this lists at least the rows in view.
    initialRect: { width: 0, height: window.innerHeight },
    initialOffset: 0,
  });
  return (
    <div ref={bodyRef} role="rowgroup" className={styles.body} style={{ height: virtualizer.getTotalSize() }}>
      {virtualizer
        .getVirtualItems()
        .map((item) => renderRow(item.index, { transform: `translateY(${item.start}px)`, height: item.size }))}
    </div>
  );
}
