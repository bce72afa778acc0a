"""Memory of the near-duplicate index in a crawl, against the archive's size.

    python -m bench.index_memory 5000 50000

Every crawl opens archive/near_duplicates.py's NearDuplicateIndex
(pipelines/near_duplicates.py open_spider) over an archive that may hold
hundreds of thousands of versions. For each N this fills a scratch archive
with N versions whose signatures and LSH bands are stored (random hash values,
stored as the crawl stores them), then, in a fresh process, opens the index
and adds 100 new versions (reports of one template, so their candidates are
found and compared), and prints the RSS that adds (the peak, VmHWM, once the
imports are done), the seconds it took, and the bands' bytes in the file. The index keeps its bands in the
archive: the figures should not grow with N.
"""

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.measure import _status_kb

ADDED = 100


def fill(path, count):
    """A scratch archive of *count* versions with stored signatures and bands; returns version_lsh's bytes."""
    import numpy as np

    from archive import near_duplicates as nd
    from archive.db import Archive

    archive = Archive(path)
    db = archive.db
    rng = np.random.default_rng(0)
    with db.atomic():
        db.conn.executemany(
            "insert into reports (id, agency, region, year) values (?, ?, '', 2023)",
            ((n, f"机关{n}") for n in range(1, count + 1)),
        )
        db.conn.executemany(
            "insert into versions (id, report_id, sha256, text) values (?, ?, ?, '')",
            ((n, n, str(n)) for n in range(1, count + 1)),
        )
        db.conn.executemany(
            "insert into version_minhash (version_id, num_perm, scheme, hashvalues) values (?, ?, ?, ?)",
            (
                (n, nd.DEFAULT_NUM_PERM, nd.SCHEME, rng.integers(0, 2**32, nd.DEFAULT_NUM_PERM, dtype="<u8").tobytes())
                for n in range(1, count + 1)
            ),
        )
    # The bands' place in the file: the pages filling them adds.
    pages = db.execute("PRAGMA page_count").fetchone()[0]
    with db.atomic():
        nd.fill_bands(db)
    size = (db.execute("PRAGMA page_count").fetchone()[0] - pages) * db.execute("PRAGMA page_size").fetchone()[0]
    archive.close()
    return size


def _reset_peak():
    """Make VmHWM the current RSS (Linux clear_refs 5); False where refused."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def measure(path):
    """(MB of RSS that opening the index and adding ADDED versions takes, peak or not, seconds) in this process."""
    from archive import near_duplicates as nd
    from archive.db import Archive
    from demo import synth

    archive = Archive(path)
    db = archive.db
    stored = db.execute("select max(id) from versions").fetchone()[0]
    texts = {}
    with db.atomic():
        for n in range(1, ADDED + 1):
            agency = f"济宁市某{n}局"
            texts[stored + n] = synth.report_text(agency, 2023)
            db.execute("insert into reports (id, agency, region, year) values (?, ?, '', 2023)", [stored + n, agency])
            db.execute(
                "insert into versions (id, report_id, sha256, text) values (?, ?, ?, ?)",
                [stored + n, stored + n, f"new{n}", texts[stored + n]],
            )
    # Imports (datasketch, scipy) and the first allocations out of the figure.
    scratch = Archive(Path(path).with_name("warm-up.db"))
    warm = nd.NearDuplicateIndex(scratch.db)
    warm.query(nd.signature(texts[stored + 1]))
    nd.jaccard_ids(nd.shingle_ids(texts[stored + 1]), nd.shingle_ids(texts[stored + 2]))
    scratch.close()
    before = _status_kb("self", "VmRSS")
    peak = _reset_peak()
    started = time.perf_counter()
    index = nd.NearDuplicateIndex(db)
    assert len(index) == stored
    for version_id, text in texts.items():
        index.add(version_id, text)
    seconds = time.perf_counter() - started
    after = _status_kb("self", "VmHWM" if peak else "VmRSS")
    archive.close()
    return (after - before) / 1024, peak, seconds


def index_memory(count):
    """(MB, peak or not, seconds) of opening the index over *count* stored versions and adding ADDED."""
    with tempfile.TemporaryDirectory(prefix="ogi-index-memory-") as folder:
        path = Path(folder) / "archive.db"
        started = time.perf_counter()
        size = fill(path, count)
        filled = time.perf_counter() - started
        # A fresh process: what filling allocated is not in its RSS.
        out = subprocess.run(
            [sys.executable, "-m", "bench.index_memory", "--measure", str(path)],
            capture_output=True,
            text=True,
            check=True,
            cwd=Path(__file__).resolve().parent.parent,
        ).stdout
        mb, peak, seconds = out.split()
        return float(mb), peak == "True", float(seconds), filled, size


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("counts", nargs="*", type=int, help="versions in the archive")
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure:
        mb, peak, seconds = measure(args.measure)
        print(mb, peak, seconds)
        return 0
    for count in args.counts or [5000, 50000]:
        mb, peak, seconds, filled, size = index_memory(count)
        print(
            f"{count} versions stored: opening the index and adding {ADDED} takes {mb:.1f} MB of "
            f"{'peak ' if peak else ''}RSS, {seconds:.1f} s (bands of the {count} filled in {filled:.1f} s, "
            f"{size / count:.0f} bytes of the file per version)",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
