"""FAISS side of bench/index: the same hashes and queries through IndexBinaryMultiHash and
IndexBinaryFlat, one thread. Driven by bench/index/index.ts; prints one JSON object.

usage: faiss_peer.py BASE QUERIES RADIUS RESULTS_OUT [--flat-queries K] [--rounds R]
  BASE, QUERIES: raw uint8 files, 32 bytes per hash (the words of a PdqHash as stored in memory;
  Hamming distance does not care about byte order as long as both sides use the same).
  RESULTS_OUT: binary file for the MultiHash matches (query-major: count, then ids), for recall.
"""
import json
import os
import sys
import time

import faiss
import numpy as np


def rss_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def main():
    base_path, query_path, radius, out_path = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    flat_queries = int(sys.argv[sys.argv.index("--flat-queries") + 1]) if "--flat-queries" in sys.argv else 20
    rounds = int(sys.argv[sys.argv.index("--rounds") + 1]) if "--rounds" in sys.argv else 3
    faiss.omp_set_num_threads(1)
    base = np.fromfile(base_path, dtype=np.uint8).reshape(-1, 32)
    queries = np.fromfile(query_path, dtype=np.uint8).reshape(-1, 32)
    # FAISS binary range_search returns distances strictly below its radius.
    limit = radius + 1

    rss0 = rss_bytes()
    start = time.perf_counter()
    mih = faiss.IndexBinaryMultiHash(256, 16, 16)
    mih.nflip = 1  # probe every bucket within 1 bit of each 16-bit segment: exact at radius 31
    mih.add(base)
    build_s = time.perf_counter() - start
    mih_rss = rss_bytes() - rss0

    qps = []
    for _ in range(rounds):
        start = time.perf_counter()
        lims, _, ids = mih.range_search(queries, limit)
        qps.append(len(queries) / (time.perf_counter() - start))
    with open(out_path, "wb") as f:
        for q in range(len(queries)):
            found = np.sort(ids[lims[q]:lims[q + 1]]).astype(np.int64)
            f.write(np.int64(len(found)).tobytes())
            f.write(found.tobytes())

    flat = faiss.IndexBinaryFlat(256)
    flat.add(base)
    sample = queries[:flat_queries]
    start = time.perf_counter()
    flat_lims, _, flat_ids = flat.range_search(sample, limit)
    flat_qps = len(sample) / (time.perf_counter() - start)
    agree = all(
        np.array_equal(np.sort(ids[lims[q]:lims[q + 1]]), np.sort(flat_ids[flat_lims[q]:flat_lims[q + 1]]))
        for q in range(len(sample))
    )

    print(json.dumps({
        "faissVersion": faiss.__version__,
        "multiHash": {
            "buildSeconds": build_s,
            "rssBytes": mih_rss,
            "queriesPerSecond": sorted(qps)[len(qps) // 2],
            "matches": int(lims[-1]),
        },
        "flat": {"queriesPerSecond": flat_qps, "queries": len(sample), "multiHashAgreesWithFlat": bool(agree)},
    }))


if __name__ == "__main__":
    main()
