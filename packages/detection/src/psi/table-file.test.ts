import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PsiError } from './errors.js';
import { decodePsiTable, psiTableFileBytes, psiTableHeader } from './table-file.js';

describe('psi table file (what GET /v1/detection/psi/table serves)', () => {
  const table = {
    seed: Uint8Array.from({ length: 16 }, (_, i) => i),
    size: 3,
    elements: new Uint8Array(96).fill(7),
  };
  const file = new Uint8Array([...psiTableHeader(table), ...table.elements]);

  it('round-trips seed, size and elements', () => {
    assert.equal(file.length, psiTableFileBytes(table));
    const decoded = decodePsiTable(file);
    assert.deepEqual([...decoded.seed], [...table.seed]);
    assert.equal(decoded.size, 3);
    assert.deepEqual([...decoded.elements], [...table.elements]);
  });

  it('refuses another file, another version, and a size the body does not hold', () => {
    const refused = (bytes: Uint8Array, why: RegExp) =>
      assert.throws(
        () => decodePsiTable(bytes),
        (error: unknown) =>
          error instanceof PsiError && error.code === 'PSI_MALFORMED_TABLE' && why.test(error.message),
      );
    refused(new Uint8Array(40), /not a psi table/);
    const version = file.slice();
    version[4] = 9;
    refused(version, /unsupported version 9/);
    refused(file.subarray(0, file.length - 1), /size says 3 elements, the body holds 95 bytes/);
    refused(file.subarray(0, 10), /truncated before the size/);
  });
});
