"""Memory of the near-duplicate index a crawl builds at its start.

    python -m bench.index_memory 10000 50000

Every crawl builds archive/near_duplicates.py's NearDuplicateIndex in its own
process (pipelines/near_duplicates.py open_spider): a MinHashLSH of every
signature stored in the archive, not only of the crawl's documents. This
fills version_minhash of a scratch SQLite file with N signatures (random
hash values, stored as the crawl stores them), builds the index, and prints
the process's RSS before and after and the seconds it took, per version.
"""

import argparse
import gc
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

from bench.measure import _status_kb


def index_memory(count):
    """(MB of RSS the index of *count* signatures adds, seconds to build it)."""
    import numpy as np

    from archive.near_duplicates import DEFAULT_NUM_PERM, SCHEME, NearDuplicateIndex, create_near_duplicate_schema

    with tempfile.TemporaryDirectory(prefix="ogi-index-memory-") as folder:
        conn = sqlite3.connect(Path(folder) / "index.db")
        create_near_duplicate_schema(conn)
        rng = np.random.default_rng(0)
        with conn:
            conn.executemany(
                "insert into version_minhash (version_id, num_perm, scheme, hashvalues) values (?, ?, ?, ?)",
                (
                    (
                        version_id,
                        DEFAULT_NUM_PERM,
                        SCHEME,
                        rng.integers(0, 2**32, DEFAULT_NUM_PERM, dtype="<u8").tobytes(),
                    )
                    for version_id in range(1, count + 1)
                ),
            )
        # Imports (datasketch, scipy) and the first allocations out of the figure.
        empty = sqlite3.connect(":memory:")
        create_near_duplicate_schema(empty)
        NearDuplicateIndex(empty)
        gc.collect()
        before = _status_kb("self", "VmRSS")
        started = time.perf_counter()
        index = NearDuplicateIndex(conn)
        seconds = time.perf_counter() - started
        after = _status_kb("self", "VmRSS")
        assert len(index) == count
        conn.close()
    return (after - before) / 1024, seconds


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("counts", nargs="+", type=int, help="signatures in the archive")
    args = parser.parse_args(argv)
    for count in args.counts:
        mb, seconds = index_memory(count)
        print(
            f"{count} versions: the index adds {mb:.1f} MB of RSS ({1024 * mb / count:.2f} KB per version), "
            f"built in {seconds:.1f} s",
            flush=True,
        )


if __name__ == "__main__":
    sys.exit(main())
