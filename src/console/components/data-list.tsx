import type { CSSProperties, ReactNode } from 'react';
import { cn } from '../lib/cn';
import styles from './data-list.module.css';
import { VirtualRows } from './virtual-rows';

/** One column of a DataList: a header and how to render a row's cell. */
export interface Column<T> {
  id: string;
  header: ReactNode;
  cell: (row: T) => ReactNode;
  /** A CSS grid track, e.g. `minmax(12rem, 2fr)` or `8rem`. */
  width: string;
  /** Classes of this column's cells (e.g. to let long unbroken names wrap). */
  className?: string;
}

export interface DataListProps<T> {
  /** Accessible name of the table. */
  label: string;
  rows: readonly T[];
  columns: readonly Column<T>[];
  rowKey: (row: T) => string;
  /** Fixed row height in px (virtualization needs it). */
  rowHeight?: number;
  /** Height of the scrolling area (CSS length). */
  maxHeight?: string;
  /** Below this width the list scrolls sideways instead of squeezing its columns (CSS length). */
  minWidth?: string;
  /**
   * Whether only the rows in view are rendered (needs `rowHeight` to be every row's height). By default
   * lists longer than 60 rows are; `false` renders every row, which may then grow with its content.
   */
  virtualize?: boolean;
  /** Makes the scroll area a focusable region with this name, so keyboard users can scroll it. */
  region?: string;
  /** Where a row's cells sit when one is taller than the others. */
  align?: 'center' | 'start';
  selectedKey?: string | null;
  /**
   * A click anywhere on a row (a pointer convenience: the row must also hold a button that does the
   * same from the keyboard).
   */
  onRowClick?: (row: T) => void;
  className?: string;
}

/** Lists at or below this size render every row; bigger ones are virtualized. */
const VIRTUALIZE_ABOVE = 60;

/**
 * The table every list draws (Headlamp style: columns are data); ListView adds a list page's search,
 * filters, sort, count and narrow layout on top. It is an ARIA table of rows and cells; long lists
 * render only the rows in view, so 10,000 instances stay a few hundred DOM nodes.
 */
export function DataList<T>({
  label,
  rows,
  columns,
  rowKey,
  rowHeight = 48,
  maxHeight = '32rem',
  minWidth = '48rem',
  virtualize,
  region,
  align = 'center',
  selectedKey,
  onRowClick,
  className,
}: DataListProps<T>) {
  const virtual = virtualize ?? rows.length > VIRTUALIZE_ABOVE;
  const template = columns.map((c) => c.width).join(' ');
  const gridStyle: CSSProperties = { gridTemplateColumns: template };

  const renderRow = (row: T, index: number, style?: CSSProperties) => {
    const key = rowKey(row);
    return (
      // A click handler without a key handler: the row's own button does the same from the keyboard.
      <div
        key={key}
        onClick={
          onRowClick
            ? (event) => {
                // A click on the row's own controls (or a text selection) is theirs.
                if ((event.target as HTMLElement).closest('button, a, input, select') || window.getSelection()?.toString()) return;
                onRowClick(row);
              }
            : undefined
        }
        role="row"
        aria-rowindex={index + 2}
        aria-selected={selectedKey === undefined ? undefined : selectedKey === key}
        data-row-key={key}
        className={cn(
          styles.row,
          style && styles.virtualRow,
          onRowClick && styles.clickable,
          selectedKey === key && styles.selected,
          align === 'start' && styles.alignStart,
        )}
        style={{ ...gridStyle, minHeight: rowHeight, ...style }}
      >
        {columns.map((c) => (
          <div key={c.id} role="cell" className={cn(styles.cell, c.className)}>
            {c.cell(row)}
          </div>
        ))}
      </div>
    );
  };

  return (
    <div
      className={cn(styles.scroller, className)}
      style={{ maxHeight }}
      data-scroller=""
      {...(region ? { role: 'region', 'aria-label': region, tabIndex: 0 } : {})}
    >
      <div role="table" aria-label={label} aria-rowcount={rows.length + 1} className={styles.table} style={{ minWidth }}>
        <div role="rowgroup" className={styles.header}>
          <div role="row" aria-rowindex={1} className={styles.headerRow} style={gridStyle}>
            {columns.map((c) => (
              <div key={c.id} role="columnheader" className={styles.headerCell}>
                {c.header}
              </div>
            ))}
          </div>
        </div>
        {virtual ? (
          // Part of the page's bundle, not loaded on demand: a lazy virtualizer meant a first render of
          // stand-in rows that its rows then replaced, closing a menu or dropping the focus just opened.
          <VirtualRows
            count={rows.length}
            rowHeight={rowHeight}
            renderRow={(index, style) => {
              const row = rows[index];
              return row === undefined ? null : renderRow(row, index, style);
            }}
          />
        ) : (
          <div role="rowgroup" className={styles.body}>
            {rows.map((row, index) => renderRow(row, index))}
          </div>
        )}
      </div>
    </div>
  );
}
