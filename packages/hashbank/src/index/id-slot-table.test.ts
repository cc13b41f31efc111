import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { IdSlotTable } from './id-slot-table.js';

describe('IdSlotTable', () => {
  it('agrees with a Map through growth, deletions that shift runs back, and large ids', () => {
    const stored = new Float64Array(20_000);
    const ids = { idAt: (slot: number) => stored[slot] as number };
    const table = new IdSlotTable();
    const reference = new Map<number, number>();
    let next = 0;
    // Ids bunched so that probe runs are long (the same low bits), plus ids above 2^32.
    const idFor = (k: number) => (k % 3 === 0 ? k * 65_536 : k % 3 === 1 ? 2 ** 40 + k : k);
    for (let k = 0; k < 12_000; k++) {
      const id = idFor(k);
      const slot = next++;
      stored[slot] = id;
      table.insert(id, slot, ids);
      reference.set(id, slot);
      if (k % 3 === 2) {
        const gone = idFor(k - 2);
        assert.equal(table.delete(gone, ids), reference.get(gone));
        reference.delete(gone);
      }
    }
    assert.equal(table.size, reference.size);
    for (let k = 0; k < 12_000; k++) assert.equal(table.get(idFor(k), ids), reference.get(idFor(k)) ?? -1);
    assert.equal(table.delete(123.5, ids), -1);
  });
});
