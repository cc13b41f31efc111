import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Line, readLines } from './line-reader.js';

async function collect(chunks: Iterable<Uint8Array | string>, maxLineBytes?: number): Promise<Line[]> {
  async function* source() {
    yield* chunks;
  }
  const lines: Line[] = [];
  for await (const line of readLines(source(), maxLineBytes === undefined ? {} : { maxLineBytes }))
    lines.push(line);
  return lines;
}

describe('readLines', () => {
  it('numbers LF and CRLF lines, drops a BOM, keeps blank lines and a last line without newline', async () => {
    const lines = await collect(['\uFEFFone\r\ntwo\n\nthr', 'ee']);
    assert.deepEqual(lines, [
      { number: 1, text: 'one' },
      { number: 2, text: 'two' },
      { number: 3, text: '' },
      { number: 4, text: 'three' },
    ]);
  });

  it('gives the same lines whatever the chunk boundaries (byte by byte, multi-byte UTF-8 split)', async () => {
    const text = 'héllo,wörld\r\n日本\nlast\n';
    const bytes = Buffer.from(text);
    const whole = await collect([bytes]);
    const single = await collect([...bytes].map((b) => Uint8Array.of(b)));
    assert.deepEqual(single, whole);
    assert.deepEqual(
      whole.map((l) => ('text' in l ? l.text : l.problem)),
      ['héllo,wörld', '日本', 'last'],
    );
  });

  it('reports a line over the limit and carries on with the next line', async () => {
    const lines = await collect(['ok\n', 'x'.repeat(30), 'x'.repeat(30), '\nfine\n', 'y'.repeat(21)], 20);
    assert.deepEqual(lines, [
      { number: 1, text: 'ok' },
      { number: 2, problem: 'line-too-long', reason: 'line too long (over 20 bytes)' },
      { number: 3, text: 'fine' },
      { number: 4, problem: 'line-too-long', reason: 'line too long (over 20 bytes)' },
    ]);
    // Exactly at the limit is fine, with or without a CR.
    const edge = await collect([`${'z'.repeat(20)}\r\n${'z'.repeat(20)}\n${'z'.repeat(21)}\r\n`], 20);
    assert.deepEqual(
      edge.map((l) => ('text' in l ? l.text.length : l.problem)),
      [20, 20, 'line-too-long'],
    );
  });

  it('reports invalid UTF-8 as a line problem', async () => {
    const lines = await collect([Buffer.from([0x61, 0xff, 0x0a, 0x62, 0x0a])]);
    assert.deepEqual(lines[0], { number: 1, problem: 'invalid-utf8', reason: 'line is not valid UTF-8' });
    assert.deepEqual(lines[1], { number: 2, text: 'b' });
  });

  it('skips a 2 GiB line without holding it in memory', async () => {
    const chunk = Buffer.alloc(1 << 20, 0x61); // 1 MiB of "a", reused
    async function* huge() {
      yield Buffer.from('first\n');
      for (let i = 0; i < 2048; i++) yield chunk;
      yield Buffer.from('\nafter\n');
    }
    const before = process.memoryUsage().rss;
    const lines: Line[] = [];
    for await (const line of readLines(huge())) lines.push(line);
    const grown = process.memoryUsage().rss - before;
    assert.deepEqual(
      lines.map((l) => ('text' in l ? l.text : l.problem)),
      ['first', 'line-too-long', 'after'],
    );
    assert.ok(grown < 200 * 1024 * 1024, `memory grew by ${Math.round(grown / 1048576)} MiB`);
  });
});
