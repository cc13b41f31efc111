// Reported media, for moderator wellbeing: images arrive as the server's blurred greyscale derivative
// and are blurred again by CSS; the original is fetched only on "Reveal image" (?reveal=1, which the
// server records in the case log and the audit chain). Videos are never previewed, never autoplay,
// and start muted.
import { useEffect, useRef, useState } from 'react';
import type { PreservedAttachment, StaffApi } from './api.ts';
import { ErrorAlert, useObjectUrl } from './common.tsx';
import { bytes } from './format.ts';

interface MediaProps {
  readonly api: StaffApi;
  readonly caseId: string;
  readonly reportId: string;
  readonly attachment: PreservedAttachment;
  readonly greyscale: boolean;
  /** Called after a reveal succeeded (the case log has a new event). */
  readonly onRevealed?: () => void;
}

export function Media(props: MediaProps) {
  const { attachment } = props;
  if (attachment.file === undefined) {
    return (
      <p className="hint">
        Attachment ({attachment.mediaType}, {bytes(attachment.size)}) not preserved
        {attachment.reason ? `: ${attachment.reason}` : ''}.
      </p>
    );
  }
  if (attachment.mediaType.startsWith('image/')) return <ImageMedia {...props} file={attachment.file} />;
  return <TimedMedia {...props} file={attachment.file} />;
}

/**
 * The original of a preserved file, fetched only when asked: `?reveal=1`, which the server logs.
 * Shared by images (after a blurred preview) and timed media (no preview at all).
 */
function useReveal(api: StaffApi, caseId: string, reportId: string, file: number, onRevealed?: () => void) {
  const [original, setOriginal] = useState<Blob | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const reveal = async () => {
    setBusy(true);
    try {
      setOriginal(await api.file(caseId, reportId, file, true));
      setError(undefined);
      onRevealed?.();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };
  return { original, setOriginal, busy, error, setError, reveal };
}

function ImageMedia({
  api,
  caseId,
  reportId,
  attachment,
  greyscale,
  onRevealed,
  file,
}: MediaProps & { file: number }) {
  const [preview, setPreview] = useState<Blob | undefined>(undefined);
  const { original, setOriginal, busy, error, setError, reveal } = useReveal(
    api,
    caseId,
    reportId,
    file,
    onRevealed,
  );
  const previewUrl = useObjectUrl(preview);
  const originalUrl = useObjectUrl(original);

  useEffect(() => {
    let live = true;
    api
      .file(caseId, reportId, file, false)
      .then((blob) => live && setPreview(blob))
      .catch((caught: unknown) => live && setError(caught));
    return () => {
      live = false;
    };
  }, [api, caseId, reportId, file, setError]);

  const revealed = original !== undefined && originalUrl !== undefined;
  const className = revealed ? (greyscale ? 'media greyscale' : 'media') : 'media blurred';
  return (
    <figure className={className} data-state={revealed ? 'revealed' : 'blurred'}>
      <div className="media-frame">
        {revealed ? (
          <img src={originalUrl} alt={`Reported image, revealed (${attachment.mediaType})`} />
        ) : previewUrl ? (
          <img src={previewUrl} alt="Reported image, blurred and greyscale preview" />
        ) : (
          <div className="media-placeholder">{error ? 'No preview' : 'Loading preview…'}</div>
        )}
      </div>
      <figcaption className="row">
        <span className="hint">
          {attachment.mediaType}, {bytes(attachment.size)}
          {revealed ? ' — revealed (logged)' : ' — blurred'}
        </span>
        {revealed ? (
          <button type="button" className="secondary" onClick={() => setOriginal(undefined)}>
            Blur again
          </button>
        ) : (
          <button type="button" className="secondary" onClick={() => void reveal()} disabled={busy}>
            Reveal image
          </button>
        )}
      </figcaption>
      <ErrorAlert error={error} />
    </figure>
  );
}

/** Video and audio: nothing is fetched until "Reveal"; then controls, muted, no autoplay. */
function TimedMedia({
  api,
  caseId,
  reportId,
  attachment,
  greyscale,
  onRevealed,
  file,
}: MediaProps & { file: number }) {
  const { original, busy, error, reveal } = useReveal(api, caseId, reportId, file, onRevealed);
  const url = useObjectUrl(original);
  const video = useRef<HTMLVideoElement>(null);
  const isVideo = attachment.mediaType.startsWith('video/');
  const noun = isVideo ? 'video' : attachment.mediaType.startsWith('audio/') ? 'audio' : 'file';

  useEffect(() => {
    // React does not reflect `muted` as an attribute; set the property, before any play.
    if (video.current) video.current.muted = true;
  });

  return (
    <figure className={greyscale ? 'media greyscale' : 'media'} data-state={url ? 'revealed' : 'hidden'}>
      <div className="media-frame">
        {url && isVideo ? (
          <video ref={video} src={url} controls muted playsInline preload="metadata" autoPlay={false} />
        ) : url && noun === 'audio' ? (
          <audio src={url} controls muted preload="metadata" autoPlay={false} />
        ) : url ? (
          <a href={url} download={`${reportId}-${file}`}>
            Download the revealed file
          </a>
        ) : (
          <div className="media-placeholder">Not previewed ({attachment.mediaType})</div>
        )}
      </div>
      <figcaption className="row">
        <span className="hint">
          {attachment.mediaType}, {bytes(attachment.size)}
        </span>
        {url ? null : (
          <button type="button" className="secondary" onClick={() => void reveal()} disabled={busy}>
            Reveal {noun}
          </button>
        )}
      </figcaption>
      <ErrorAlert error={error} />
    </figure>
  );
}
