// The parts of hashbank that run anywhere (browsers included): the PDQ index and the Merkle
// commitment. Nothing here touches storage, files or Node built-ins, so a device can open a bank
// snapshot and check it against the published commitment (packages/detection, client-match).
export {
  COMMITMENT_SCHEME,
  type Commitment,
  commitSorted,
  type InclusionProof,
  proveSorted,
  verifyList,
  verifyProof,
} from './commitment/commitment.js';
export {
  MAX_PDQ_INDEX_SLOTS,
  PdqIndex,
  type PdqIndexOptions,
  type PdqIndexParts,
  type PdqMatch,
  type QueryStrategy,
} from './index/pdq-index.js';
