import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { toBase64Url } from '@safelight/e2ee';
import {
  type AttachmentRef,
  decodeContent,
  encodeContent,
  MAX_CONTENT_BYTES,
  openContent,
  sealContent,
} from './content.js';
import { ClientError } from './errors.js';

const attachment: AttachmentRef = {
  blobId: 'ab'.repeat(32),
  key: new Uint8Array(32).fill(1),
  digest: new Uint8Array(32).fill(2),
  size: 1234,
  mediaType: 'image/png',
};

function code(error: unknown): string | undefined {
  return error instanceof ClientError ? error.code : undefined;
}

describe('message content', () => {
  it('opens what it sealed, with attachments and content type', () => {
    const sealed = sealContent({
      text: 'see you at the library',
      contentType: 'text/plain',
      attachments: [attachment],
    });
    const opened = openContent(sealed.payload, sealed.tag);
    assert.equal(opened.text, 'see you at the library');
    assert.equal(opened.contentType, 'text/plain');
    assert.deepEqual(opened.attachments, [attachment]);
    assert.deepEqual(opened.frankingKey, sealed.content.frankingKey);
  });

  it('refuses content that does not open the tag it came with', () => {
    const sealed = sealContent({ text: 'original' });
    const other = sealContent({ text: 'swapped' });
    assert.throws(
      () => openContent(other.payload, sealed.tag),
      (e) => code(e) === 'CLIENT_FRANKING_MISMATCH',
    );
    // Same franking key, different attachment digest: the tag commits to the attachment too.
    const withAttachment = sealContent({ text: 'pic', attachments: [attachment] });
    const changed = encodeContent({
      ...withAttachment.content,
      attachments: [{ ...attachment, digest: new Uint8Array(32).fill(3) }],
    });
    assert.throws(
      () => openContent(changed, withAttachment.tag),
      (e) => code(e) === 'CLIENT_FRANKING_MISMATCH',
    );
  });

  const utf8 = new TextEncoder();
  const valid = JSON.parse(
    new TextDecoder().decode(sealContent({ text: 'x', attachments: [attachment] }).payload),
  );
  const malformed: Array<[string, Uint8Array, RegExp]> = [
    ['not JSON', utf8.encode('{nope'), /payload is not UTF-8 JSON/],
    ['an array', utf8.encode('[]'), /payload is not an object/],
    ['a future version', utf8.encode(JSON.stringify({ ...valid, v: 2 })), /v must be 1/],
    [
      'a short franking key',
      utf8.encode(JSON.stringify({ ...valid, frankingKey: toBase64Url(new Uint8Array(8)) })),
      /frankingKey/,
    ],
    [
      'a bad blob id',
      utf8.encode(JSON.stringify({ ...valid, attachments: [{ ...valid.attachments[0], blobId: '../etc' }] })),
      /attachments\[0\]\.blobId/,
    ],
    [
      'a negative size',
      utf8.encode(JSON.stringify({ ...valid, attachments: [{ ...valid.attachments[0], size: -1 }] })),
      /attachments\[0\]\.size/,
    ],
    ['an oversized payload', new Uint8Array(MAX_CONTENT_BYTES + 1), /over/],
  ];
  for (const [name, bytes, message] of malformed) {
    it(`rejects ${name}, naming the field`, () => {
      assert.throws(
        () => decodeContent(bytes),
        (e) => code(e) === 'CLIENT_MALFORMED_CONTENT' && message.test((e as Error).message),
      );
    });
  }

  it('refuses oversized text at the sender', () => {
    assert.throws(
      () => sealContent({ text: 'a'.repeat(70_000) }),
      (e) => code(e) === 'CLIENT_INVALID_INPUT',
    );
  });
});
