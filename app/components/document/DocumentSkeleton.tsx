import '../editor/editor.css';

/**
 * The editor page's layout before the document is open: the same header, toolbar and page
 * sizes as the real thing, so nothing moves when it arrives.
 */
export function DocumentSkeleton({ withToolbar = true }: { withToolbar?: boolean }) {
  return (
    <div className="doc-app" aria-busy="true">
      <span className="visually-hidden">Opening the document…</span>
      <header className="doc-header">
        <span className="icon-button skeleton-block" />
        <div className="doc-title-block">
          <span className="skeleton-line skeleton-title" />
          <span className="skeleton-line skeleton-status" />
        </div>
      </header>
      <div className="document-editor">
        {withToolbar && (
          <div className="toolbar-row">
            <div className="toolbar" />
          </div>
        )}
        <div className="page-scroller">
          <div className="page-sheet">
            <span className="skeleton-line" />
            <span className="skeleton-line" />
            <span className="skeleton-line skeleton-short" />
          </div>
        </div>
      </div>
    </div>
  );
}
