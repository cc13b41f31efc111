import type { OpenedAttachment, SafelightClient, StoredMessage } from '@safelight/client';
import { useEffect, useState } from 'react';
import { describeError } from '../ui/errors.ts';
import { BLUR_REASONS } from './labels.ts';

/**
 * One attachment, downloaded, checked (key commitment and digest) and decrypted on this device.
 * For a minor the safeguards decide on the device whether it is blurred; the child can still
 * choose to see it, or get help. Nothing about that choice leaves the device.
 */
export function AttachmentView(props: {
  client: SafelightClient;
  message: StoredMessage;
  index: number;
  senderHandle: string;
  onHelp: () => void;
}) {
  const { client, message, index } = props;
  const [opened, setOpened] = useState<{ url: string; attachment: OpenedAttachment } | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [revealed, setRevealed] = useState(false);
  const ref = message.attachments[index];

  useEffect(() => {
    let url: string | undefined;
    let cancelled = false;
    client
      .openAttachment(message, index)
      .then((attachment) => {
        if (cancelled) return;
        url = URL.createObjectURL(new Blob([attachment.bytes as BlobPart], { type: ref?.mediaType }));
        setOpened({ url, attachment });
      })
      .catch((caught) => {
        if (!cancelled) setError(describeError(caught));
      });
    return () => {
      cancelled = true;
      if (url) URL.revokeObjectURL(url);
    };
  }, [client, message, index, ref?.mediaType]);

  if (!ref) return null;
  if (error) {
    return (
      <p className="error" role="alert">
        This attachment could not be opened: {error}
      </p>
    );
  }
  if (!opened) return <p className="hint">Decrypting attachment…</p>;
  if (!ref.mediaType.startsWith('image/')) return <p className="hint">Attachment ({ref.mediaType})</p>;
  const blurred = opened.attachment.blur.blur && !revealed;
  const from = message.direction === 'out' ? 'you' : `@${props.senderHandle}`;
  return (
    <figure className={`attachment${blurred ? ' blurred' : ''}`} data-blurred={blurred ? 'true' : 'false'}>
      <img src={opened.url} alt={blurred ? `Hidden image from ${from}` : `Image from ${from}`} />
      {blurred && (
        <figcaption className="blur-cover">
          <p>{BLUR_REASONS[opened.attachment.blur.reason] ?? 'This image is hidden.'}</p>
          <div className="row">
            <button type="button" className="secondary" onClick={() => setRevealed(true)}>
              Show image
            </button>
            <button type="button" onClick={props.onHelp}>
              Get help
            </button>
          </div>
        </figcaption>
      )}
    </figure>
  );
}
