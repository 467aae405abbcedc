import { Fragment, type ReactNode, useEffect, useRef, useState } from 'react';
import { plural } from '../lib/format';
import { narrowScreen, useMediaQuery } from '../lib/use-media-query';
import { type Column, DataList } from './data-list';
import styles from './list-view.module.css';
import { Field } from './ui/field';
import { Input, NativeSelect } from './ui/input';

/** One way to order the list, as the Sort by picker names it. */
export interface ListSort<T> {
  label: string;
  compare: (a: T, b: T) => number;
}

/** A picker that keeps the rows whose `value` is the chosen option ("All" keeps every row). */
export interface ListFilter<T> {
  label: string;
  value: (row: T) => string;
  options: ReadonlyArray<{ value: string; label: string }>;
  /** `false`: applied, but picked elsewhere on the page (e.g. counts that are buttons), not in the toolbar. */
  picker?: false;
}

/**
 * A column's place in the narrow layout (phones, 200 % zoom), where nothing may scroll sideways:
 * - `keep`: stays a column of its own, this wide (a CSS grid track);
 * - `stack`: its cell (or `cell`, when the narrow one differs) joins the stacked column, at this position;
 * - `meta`: its plain value joins the muted "a · b · c" line at the foot of the stacked column.
 * A column without a role is left out.
 */
export type NarrowRole<T> = { keep: string } | { stack: number; cell?: (row: T) => ReactNode } | { meta: (row: T) => string };

/** A column of a list page: the DataList column plus what it contributes to search, filters, sort and the narrow layout. */
export interface ListColumn<T> extends Column<T> {
  /** The text the search box matches in this column (case-insensitive substring). */
  search?: (row: T) => string;
  filter?: ListFilter<T>;
  /** Ordering by this column; its id is the column's. */
  sort?: ListSort<T>;
  narrow?: NarrowRole<T>;
}

/** What the user picked: the search text, each filter's option by column id (`all` = none), the sort. */
export interface ListState {
  q: string;
  filters: Readonly<Record<string, string>>;
  sort: string | null;
}

/** The sorts a list offers, by id: each column's own, then orders that have no column (`extra`). */
export function listSorts<T>(columns: readonly ListColumn<T>[], extra: Readonly<Record<string, ListSort<T>>> = {}): [string, ListSort<T>][] {
  return [...columns.flatMap((c): [string, ListSort<T>][] => (c.sort ? [[c.id, c.sort]] : [])), ...Object.entries(extra)];
}

/** The rows a list shows for a state: matching the search in any searchable column, every filter, in the chosen order. */
export function applyListState<T>(
  rows: readonly T[],
  columns: readonly ListColumn<T>[],
  state: ListState,
  extraSorts: Readonly<Record<string, ListSort<T>>> = {},
): T[] {
  const q = state.q.trim().toLowerCase();
  const searchable = columns.flatMap((c) => (c.search ? [c.search] : []));
  const filters = columns.flatMap((c) => {
    const picked = state.filters[c.id];
    return c.filter && picked !== undefined && picked !== 'all' ? [{ value: c.filter.value, picked }] : [];
  });
  const shown = rows.filter(
    (row) => filters.every((f) => f.value(row) === f.picked) && (!q || searchable.some((text) => text(row).toLowerCase().includes(q))),
  );
  const sort = listSorts(columns, extraSorts).find(([id]) => id === state.sort)?.[1];
  return sort ? shown.sort(sort.compare) : shown;
}

/** Where the stacked column goes in the narrow layout, and how it is headed. */
export interface NarrowStack {
  id: string;
  header: ReactNode;
  width: string;
}

/**
 * The narrow layout's columns: the kept ones in their order, and one stacked column (at the place of
 * the first column that joins it) holding the stacked cells and the muted meta line.
 */
export function narrowColumns<T>(columns: readonly ListColumn<T>[], stack: NarrowStack): Column<T>[] {
  const stacked = columns
    .flatMap((c) => (c.narrow && 'stack' in c.narrow ? [{ at: c.narrow.stack, cell: c.narrow.cell ?? c.cell }] : []))
    .sort((a, b) => a.at - b.at);
  const meta = columns.flatMap((c) => (c.narrow && 'meta' in c.narrow ? [c.narrow.meta] : []));
  const stackColumn: Column<T> = {
    id: stack.id,
    header: stack.header,
    width: stack.width,
    cell: (row) => (
      <span className={styles.stack}>
        {stacked.map((s, i) => (
          // The stack is fixed by the configuration; its order is its identity.
          // biome-ignore lint/suspicious/noArrayIndexKey: see above
          <Fragment key={i}>{s.cell(row)}</Fragment>
        ))}
        {meta.length > 0 ? <span className={styles.muted}>{meta.map((m) => m(row)).join(' · ')}</span> : null}
      </span>
    ),
  };
  const out: Column<T>[] = [];
  let placed = false;
  for (const c of columns) {
    if (c.narrow && 'keep' in c.narrow) out.push({ ...c, width: c.narrow.keep });
    else if (c.narrow && !placed) {
      out.push(stackColumn);
      placed = true;
    }
  }
  return out;
}

/**
 * A list page's list as configuration (Headlamp style): the columns say what is searched, filtered and
 * sorted and where they go on a narrow screen; this draws the toolbar (search, a picker per filter,
 * Sort by), the count ("3 of 12 runner groups", with an optional summary), the no-match state and the
 * DataList in its wide or narrow layout. The page keeps its own loading, error and empty states.
 */
export function ListView<T>({
  label,
  rows,
  columns,
  rowKey,
  noun,
  search,
  extraSorts,
  defaultSort,
  toolbarLabel,
  summary,
  noMatch,
  rowHeight,
  maxHeight,
  minWidth,
  narrow,
  selectedKey,
  onRowClick,
  state: controlled,
  onStateChange,
}: {
  /** The table's accessible name. */
  label: string;
  rows: readonly T[];
  columns: readonly ListColumn<T>[];
  rowKey: (row: T) => string;
  /** What one row is, for the count ("runner group": "12 runner groups"). */
  noun: string;
  /** The search box over the columns with `search`; `last` puts it after the filters. */
  search?: { label: string; placeholder: string; position?: 'first' | 'last' };
  extraSorts?: Readonly<Record<string, ListSort<T>>>;
  /** The sort picked at first (a sort id); without it, the first sort offered. */
  defaultSort?: string;
  /** Makes the toolbar a search landmark with this name. */
  toolbarLabel?: string;
  /** Said after the count, muted (e.g. the rows by status). */
  summary?: (rows: readonly T[]) => ReactNode;
  /** Shown instead of the table when nothing matches. */
  noMatch: ReactNode;
  rowHeight: number;
  maxHeight: string;
  minWidth: string;
  /** The narrow layout: its media query (default: `narrowScreen`), stacked column and row height. */
  narrow?: { query?: string; stack: NarrowStack; rowHeight: number; maxHeight?: string };
  selectedKey?: string | null;
  onRowClick?: (row: T) => void;
  /** Controlled use (e.g. the state kept in the address); otherwise the list keeps its own. */
  state?: ListState;
  onStateChange?: (state: ListState) => void;
}) {
  const sorts = listSorts(columns, extraSorts);
  const [own, setOwn] = useState<ListState>({ q: '', filters: {}, sort: defaultSort ?? sorts[0]?.[0] ?? null });
  const state = controlled ?? own;
  // The search box owns what is typed. A controlled state (the address) comes back a render or more
  // later, so an input bound to it directly dropped keystrokes typed in between. Its own echoes are
  // ignored; any other change (Back, a pasted address) replaces what the box holds.
  const [typedQ, setTypedQ] = useState(state.q);
  const sentQ = useRef<string[]>([]);
  useEffect(() => {
    const echo = sentQ.current.indexOf(state.q);
    if (echo >= 0) sentQ.current.splice(0, echo + 1);
    else {
      sentQ.current = [];
      setTypedQ(state.q);
    }
  }, [state.q]);
  const update = (next: Partial<ListState>) => {
    const merged = { ...state, q: typedQ, ...next };
    if (!controlled) setOwn(merged);
    onStateChange?.(merged);
  };
  const typeQ = (q: string) => {
    setTypedQ(q);
    sentQ.current.push(q);
    update({ q });
  };
  const isNarrow = useMediaQuery(narrow?.query ?? narrowScreen) && narrow !== undefined;
  const shown = applyListState(rows, columns, { ...state, q: typedQ }, extraSorts);

  const searchField = search ? (
    <Field key="search" label={search.label} className={styles.search}>
      <Input type="search" placeholder={search.placeholder} value={typedQ} onChange={(e) => typeQ(e.target.value)} />
    </Field>
  ) : null;
  const filterFields = columns.flatMap((c) =>
    c.filter && c.filter.picker !== false
      ? [
          <Field key={c.id} label={c.filter.label}>
            <NativeSelect
              value={state.filters[c.id] ?? 'all'}
              onChange={(e) => update({ filters: { ...state.filters, [c.id]: e.target.value } })}
            >
              {/* Plain labels, so "Connected" picks an option by its label as "connected" does by its value. */}
              <option value="all">All</option>
              {c.filter.options.map((o) => (
                <option key={o.value} value={o.value}>
                  {o.label}
                </option>
              ))}
            </NativeSelect>
          </Field>,
        ]
      : [],
  );
  const sortField =
    sorts.length > 0 ? (
      <Field key="sort" label="Sort by">
        <NativeSelect value={state.sort ?? ''} onChange={(e) => update({ sort: e.target.value })}>
          {sorts.map(([id, s]) => (
            <option key={id} value={id}>
              {s.label}
            </option>
          ))}
        </NativeSelect>
      </Field>
    ) : null;
  const tools = search?.position === 'last' ? [...filterFields, searchField, sortField] : [searchField, ...filterFields, sortField];

  return (
    <>
      <div role={toolbarLabel ? 'search' : undefined} aria-label={toolbarLabel} className={styles.toolbar}>
        {tools}
      </div>
      <p className={styles.count} role="status">
        {shown.length === rows.length ? plural(rows.length, noun) : `${shown.length.toLocaleString()} of ${plural(rows.length, noun)}`}
        {summary ? <span className={styles.muted}> · {summary(rows)}</span> : null}
      </p>
      {shown.length === 0 ? (
        noMatch
      ) : (
        <DataList
          label={label}
          rows={shown}
          columns={isNarrow && narrow ? narrowColumns(columns, narrow.stack) : columns}
          rowKey={rowKey}
          rowHeight={isNarrow && narrow ? narrow.rowHeight : rowHeight}
          maxHeight={isNarrow && narrow ? (narrow.maxHeight ?? maxHeight) : maxHeight}
          minWidth={isNarrow ? '0' : minWidth}
          selectedKey={selectedKey}
          onRowClick={onRowClick}
        />
      )}
    </>
  );
}
