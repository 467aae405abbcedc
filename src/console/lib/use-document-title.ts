import { useEffect } from 'react';

/** Names the browser tab after the page ("Runners · Paddock"), so each screen has its own title. */
export function useDocumentTitle(page: string): void {
  useEffect(() => {
    document.title = `${page} · Paddock`;
  }, [page]);
}
