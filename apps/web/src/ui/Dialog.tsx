// A modal dialog that traps nothing but keeps focus sensible: it focuses its first control when
// it opens, closes on Escape, and gives focus back to what opened it.
import { type ReactNode, useEffect, useId, useRef } from 'react';

export function Dialog(props: { title: string; onClose: () => void; children: ReactNode }) {
  const titleId = useId();
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const opener = document.activeElement as HTMLElement | null;
    const first = ref.current?.querySelector<HTMLElement>('button, select, input, textarea, [tabindex]');
    first?.focus();
    return () => opener?.focus?.();
  }, []);
  return (
    <div className="dialog-backdrop">
      <div
        className="dialog"
        role="dialog"
        aria-modal="true"
        aria-labelledby={titleId}
        ref={ref}
        onKeyDown={(event) => {
          if (event.key === 'Escape') props.onClose();
        }}
      >
        <h2 id={titleId}>{props.title}</h2>
        {props.children}
      </div>
    </div>
  );
}
