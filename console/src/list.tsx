/**
 * One list screen for organizations, tenants and users: a heading with its
 * breadcrumbs, an id-prefix filter (sent to roster as `id_prefix`, so the
 * filtering is the server's), a table, and a pager over the API's page
 * tokens.
 */
import type { ComponentChildren } from "preact";
import { useEffect, useId, useState } from "preact/hooks";
import { explain, type Explained } from "./errors";
import { ErrorBox, Pager, usePages } from "./ui";

/** Rows per page. */
export const PAGE_SIZE = 20;

/** A column of a list. */
export interface Column<T> {
  /** The header. */
  label: string;
  /** The cell of a row. */
  cell: (row: T) => ComponentChildren;
}

/** One page of a list. */
export interface Page<T> {
  /** The rows. */
  items: T[];
  /** The token of the next page; "" on the last. */
  next: string;
}

/** The props of `ListScreen`. */
export interface ListProps<T> {
  /** The page heading. */
  title: string;
  /** Links above the heading (where this list is). */
  crumbs?: ComponentChildren;
  /** Buttons beside the heading (e.g. "New tenant"). */
  toolbar?: ComponentChildren;
  /** What a row is called ("organization"), for the empty state. */
  noun: string;
  /** Loads one page: `token` from the pager, `prefix` from the filter. */
  load: (token: string, prefix: string) => Promise<Page<T>>;
  /** The id prefix in the route. */
  prefix: string;
  /** Whether to offer the id-prefix filter (lists whose RPC has `id_prefix`). */
  filter?: boolean;
  /** Puts a new id prefix in the route. */
  setPrefix: (prefix: string) => void;
  /** Changes when the list must be fetched again (after a create, edit or delete). */
  version: number;
  /** Identifies the list (its scope); a new scope starts at page 1. */
  scope: string;
  /** The columns. */
  columns: Column<T>[];
  /** A row's key. */
  rowKey: (row: T) => string;
  /** Buttons of a row. */
  actions?: (row: T) => ComponentChildren;
}

/** A paged, filterable list. */
export function ListScreen<T>(props: ListProps<T>) {
  const pages = usePages(`${props.scope}|${props.prefix}`);
  const [page, setPage] = useState<Page<T> | null>(null);
  const [error, setError] = useState<Explained | null>(null);
  // What the rows on screen answer; the list is busy until it is the current request.
  const wanted = `${props.scope}|${props.prefix}|${pages.token}|${props.version}`;
  const [answered, setAnswered] = useState("");
  useEffect(() => {
    let live = true;
    setError(null);
    props.load(pages.token, props.prefix).then(
      (p) => {
        if (!live) return;
        setPage(p);
        setAnswered(wanted);
      },
      (err) => {
        if (!live) return;
        setPage(null);
        setError(explain(err));
        setAnswered(wanted);
      },
    );
    return () => {
      live = false;
    };
  }, [props.scope, props.prefix, pages.token, props.version]);
  return (
    <section aria-labelledby="list-title" aria-busy={answered === wanted ? "false" : "true"}>
      {props.crumbs && <nav class="crumbs" aria-label="Breadcrumbs">{props.crumbs}</nav>}
      <div class="title-row">
        <h1 id="list-title">{props.title}</h1>
        <div class="toolbar">{props.toolbar}</div>
      </div>
      {props.filter !== false && <Filter prefix={props.prefix} setPrefix={props.setPrefix} />}
      <ErrorBox error={error} />
      {page && <Table {...props} items={page.items} />}
      {page && (
        <Pager
          number={pages.number}
          nextToken={page.next}
          onPrevious={pages.previous}
          onNext={() => pages.next(page.next)}
        />
      )}
    </section>
  );
}

function Filter(props: { prefix: string; setPrefix: (p: string) => void }) {
  const id = useId();
  const [text, setText] = useState(props.prefix);
  useEffect(() => setText(props.prefix), [props.prefix]);
  return (
    <form
      class="filter"
      role="search"
      onSubmit={(e) => {
        e.preventDefault();
        props.setPrefix(text.trim());
      }}
    >
      <label for={id}>Filter by id prefix</label>
      <input id={id} type="search" value={text} onInput={(e) => setText((e.currentTarget as HTMLInputElement).value)} />
      <button type="submit">Filter</button>
      {props.prefix && (
        <button type="button" class="link" onClick={() => props.setPrefix("")}>Clear filter</button>
      )}
    </form>
  );
}

function Table<T>(props: ListProps<T> & { items: T[] }) {
  if (props.items.length === 0) {
    return <p class="empty">No {props.noun} {props.prefix ? `with an id starting with “${props.prefix}”` : "here yet"}.</p>;
  }
  return (
    <div class="table-wrap">
      <table>
        <thead>
          <tr>
            {props.columns.map((c) => <th scope="col" key={c.label}>{c.label}</th>)}
            {props.actions && <th scope="col"><span class="visually-hidden">Actions</span></th>}
          </tr>
        </thead>
        <tbody>
          {props.items.map((row) => (
            <tr key={props.rowKey(row)}>
              {props.columns.map((c) => <td key={c.label}>{c.cell(row)}</td>)}
              {props.actions && <td class="row-actions">{props.actions(row)}</td>}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
