// Pieces every console view uses: the error alert, the priority badge, the route type.
import { useEffect, useRef, useState } from 'react';
import { ApiError, type Priority } from './api.ts';

export type Route =
  | { readonly view: 'queue' }
  | { readonly view: 'case'; readonly caseId: string }
  | { readonly view: 'audit' }
  | { readonly view: 'transparency' };

export function routeFromPath(pathname: string): Route {
  const rest = pathname.replace(/^\/console\/?/, '');
  const caseMatch = /^cases\/([^/]+)$/.exec(rest);
  if (caseMatch) return { view: 'case', caseId: decodeURIComponent(caseMatch[1] as string) };
  if (rest === 'audit') return { view: 'audit' };
  if (rest === 'transparency') return { view: 'transparency' };
  return { view: 'queue' };
}

export function pathOfRoute(route: Route): string {
  switch (route.view) {
    case 'queue':
      return '/console';
    case 'case':
      return `/console/cases/${encodeURIComponent(route.caseId)}`;
    case 'audit':
      return '/console/audit';
    case 'transparency':
      return '/console/transparency';
  }
}

/** A server error with its code and message, announced (role="alert"). */
export function ErrorAlert({ error }: { error: unknown }) {
  if (error === undefined || error === null) return null;
  const code = error instanceof ApiError ? error.code : 'ERROR';
  const message = error instanceof Error ? error.message : String(error);
  return (
    <div role="alert" className="notice error-box">
      <strong>{code}</strong>: {message}
    </div>
  );
}

export function PriorityBadge({ priority }: { priority: Priority }) {
  return (
    <span className={`badge ${priority.toLowerCase()}`} title={`Priority ${priority}`}>
      {priority}
    </span>
  );
}

/** The view's main heading; takes focus when the view opens, so screen readers announce it. */
export function ViewHeading({ children }: { children: React.ReactNode }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    ref.current?.focus();
  }, []);
  return (
    <h1 ref={ref} tabIndex={-1} className="view-heading">
      {children}
    </h1>
  );
}

/** An object URL for a blob, revoked when the blob changes or the component goes. */
export function useObjectUrl(blob: Blob | undefined): string | undefined {
  const [url, setUrl] = useState<string | undefined>(undefined);
  useEffect(() => {
    if (!blob) {
      setUrl(undefined);
      return;
    }
    const made = URL.createObjectURL(blob);
    setUrl(made);
    return () => URL.revokeObjectURL(made);
  }, [blob]);
  return url;
}
