"""Near-duplicate versions: the same report with slightly different text.

Identical normalized text is already one version (versions.sha256). What this
module links are versions whose texts differ a little: the same report
cross-posted on two portals with another footer or contact line, the HTML and
the PDF rendering of one report, a report re-posted under a slightly different
agency name (so it was archived as another report), and the corrections of one
report (so the size of a revision is visible).

How: each version's text, with all whitespace removed, becomes the set of its
character 3-grams (Chinese has no word boundaries). A MinHash of that set
(datasketch, fixed seed, so signatures are stable across runs) is stored in
``version_minhash``, and its LSH bands (the banding datasketch's MinHashLSH
chooses for the threshold) in ``version_lsh``. The versions that share a band
with a new version are its candidates, found by one indexed query: the index
lives in the archive, not in the crawl's memory, so a crawl's memory does not
grow with the archive. For the few candidates the exact Jaccard similarity of
the two 3-gram sets is computed from the texts. Pairs at or above the
threshold are stored in ``version_links``. Versions of the same report are always linked, whatever
their similarity: they are the same document by identity, and the similarity
measures the revision.

Reports of one template (the national format's tables and set phrases) share
many 3-grams; see tests/archive/test_near_duplicates.py for the similarities
measured and why the threshold is 0.9: 0.8 links different reports of one template.

    python -m archive.near_duplicates ARCHIVE_DB [--threshold 0.8] [--rebuild]   # alias of `ogi near-duplicates`
"""

import argparse
import hashlib
import heapq
import sys
from pathlib import Path

import sqlite_utils

from archive.common import utcnow
from crawler.settings import NEAR_DUPLICATE_THRESHOLD

# numpy and datasketch (which loads scipy) are imported where used: the
# schema is created with every archive (archive/db.py), and should not cost
# their import time.

SHINGLE = 3
SEED = 20240601  # part of the stored signatures' meaning: never change it
SCHEME = "affine32"  # datasketch's permutation scheme, stored with each signature
# The crawl's setting is the CLI's default too (why 0.9: crawler/settings.py).
DEFAULT_THRESHOLD = NEAR_DUPLICATE_THRESHOLD
DEFAULT_NUM_PERM = 128
# The LSH and the MinHash estimate only propose candidates; the exact Jaccard
# decides. Proposing from threshold - MARGIN keeps pairs just above the
# threshold from being lost to the estimate's error (its standard deviation is
# about 0.03 at 0.9 with 128 permutations), and skips the exact comparison of
# the many pairs of one template well below it.
MARGIN = 0.1
# Other reports' versions compared exactly with each new version, the most
# similar by estimate first. A true near-duplicate estimates about 0.97 or
# more, above the template look-alikes, so it is among the first.
MAX_EXACT_CHECKS = 8
# Stored signatures compared with a new one per numpy operation.
ESTIMATE_CHUNK = 1024

NEAR_DUPLICATES_VIEW = """
select
  l.id as link_id,
  l.similarity,
  l.estimated_similarity,
  l.same_report,
  l.version_id,
  v1.report_id,
  r1.agency,
  r1.year,
  r1.region,
  v1.format,
  (select c.url from captures c where c.version_id = l.version_id order by c.fetched_at, c.id limit 1) as url,
  l.other_version_id,
  v2.report_id as other_report_id,
  r2.agency as other_agency,
  r2.year as other_year,
  r2.region as other_region,
  v2.format as other_format,
  (select c.url from captures c where c.version_id = l.other_version_id order by c.fetched_at, c.id limit 1) as other_url,
  l.linked_at
from version_links l
join versions v1 on v1.id = l.version_id
join reports r1 on r1.id = v1.report_id
join versions v2 on v2.id = l.other_version_id
join reports r2 on r2.id = v2.report_id
"""


def shingles(text, k=SHINGLE):
    """The set of character k-grams of text with all whitespace removed."""
    compact = "".join((text or "").split())
    if len(compact) < k:
        return {compact} if compact else set()
    return {compact[i : i + k] for i in range(len(compact) - k + 1)}


def shingle_ids(text, k=SHINGLE):
    """The shingles of text as a sorted array of distinct integers.

    Each k-gram of code points (21 bits each) packs into one integer, so
    this is the same set as shingles(text), and exact Jaccard on it is
    numpy work, not Python set work.
    """
    import numpy as np

    compact = "".join((text or "").split())
    points = np.frombuffer(compact.encode("utf-32-le"), dtype="<u4").astype(np.uint64)
    if len(points) < k:
        if not len(points):
            return points
        points = np.concatenate([points, np.zeros(k - len(points), dtype=np.uint64)])
        return _pack(points, k)[:1]
    return np.unique(_pack(points, k))


def _pack(points, k):
    import numpy as np

    n = len(points) - k + 1
    packed = np.zeros(n, dtype=np.uint64)
    for i in range(k):
        packed = (packed << np.uint64(21)) | points[i : i + n]
    return packed


def jaccard_ids(a, b):
    """Exact Jaccard similarity of two shingle_ids arrays (1.0 for two empty ones)."""
    import numpy as np

    if not len(a) and not len(b):
        return 1.0
    common = len(np.intersect1d(a, b, assume_unique=True))
    return common / (len(a) + len(b) - common)


def jaccard(a, b):
    """Exact Jaccard similarity of two shingle sets (1.0 for two empty sets)."""
    if not a and not b:
        return 1.0
    return len(a & b) / len(a | b)


def signature(text, num_perm=DEFAULT_NUM_PERM):
    """The MinHash of text's shingles: deterministic (fixed seed and scheme)."""
    from datasketch import MinHash

    minhash = MinHash(num_perm=num_perm, seed=SEED, scheme=SCHEME)
    minhash.update_batch([s.encode("utf-8") for s in shingles(text)])
    return minhash


def _to_blob(minhash):
    import numpy as np

    return np.asarray(minhash.hashvalues, dtype="<u8").tobytes()


def _from_blob(blob, scheme=SCHEME):
    import numpy as np

    return _from_hashvalues(np.frombuffer(blob, dtype="<u8"), scheme)


def _from_hashvalues(hashvalues, scheme=SCHEME):
    from datasketch import LeanMinHash

    return LeanMinHash(seed=SEED, hashvalues=hashvalues, scheme=scheme or SCHEME)


def _estimates(minhash, blobs):
    """minhash.jaccard of each stored signature (blobs of the same scheme and
    size), as a numpy array, computed together: one LeanMinHash per candidate cost 85 us, and a
    template's look-alikes are many."""
    import numpy as np

    stored = np.frombuffer(b"".join(blobs), dtype="<u8").reshape(len(blobs), -1)
    return np.count_nonzero(stored == minhash.hashvalues, axis=1) / stored.shape[1]


def create_near_duplicate_schema(db):
    """Create the tables, index and view that are missing (idempotent)."""
    db.execute(
        """CREATE TABLE IF NOT EXISTS version_minhash (
  version_id INTEGER PRIMARY KEY REFERENCES versions(id),
  num_perm INTEGER NOT NULL,
  scheme TEXT NOT NULL,
  hashvalues BLOB NOT NULL
)"""
    )
    # One row per version and band. WITHOUT ROWID: the primary key is the
    # (band, key) lookup index, so the rows are not stored twice.
    db.execute(
        """CREATE TABLE IF NOT EXISTS version_lsh (
  band INTEGER NOT NULL,
  key INTEGER NOT NULL,
  version_id INTEGER NOT NULL REFERENCES versions(id),
  PRIMARY KEY (band, key, version_id)
) WITHOUT ROWID"""
    )
    # The banding version_lsh was filled with (one row): another threshold
    # or signature size means other bands, made again from version_minhash.
    db.execute(
        """CREATE TABLE IF NOT EXISTS version_lsh_banding (
  num_perm INTEGER NOT NULL,
  scheme TEXT NOT NULL,
  bands INTEGER NOT NULL,
  rows INTEGER NOT NULL
)"""
    )
    db.execute(
        """CREATE TABLE IF NOT EXISTS version_links (
  id INTEGER PRIMARY KEY,
  version_id INTEGER NOT NULL REFERENCES versions(id),
  other_version_id INTEGER NOT NULL REFERENCES versions(id),
  same_report INTEGER NOT NULL,
  estimated_similarity REAL,
  similarity REAL NOT NULL,
  linked_at TEXT,
  CHECK (version_id < other_version_id)
)"""
    )
    db.execute(
        "CREATE UNIQUE INDEX IF NOT EXISTS idx_version_links_pair ON version_links (version_id, other_version_id)"
    )
    db.execute("CREATE INDEX IF NOT EXISTS idx_version_links_other ON version_links (other_version_id)")
    # Replaced, not kept: a view has no data, and its definition may change.
    db.execute("DROP VIEW IF EXISTS near_duplicates")
    db.execute("CREATE VIEW near_duplicates AS " + NEAR_DUPLICATES_VIEW)


# -- the LSH bands, in the archive ---------------------------------------------
#
# datasketch's MinHashLSH keeps its buckets in a dict (or Redis or Cassandra,
# its only storage_config types: each a server to run beside the crawl, and
# writes outside the archive's transactions). So the buckets are rows of
# version_lsh instead, written in the same transaction as the signature, while
# datasketch still decides the banding (b bands of r hash values, from the
# threshold) and how a band is keyed: the same candidates as its own index.


def _band_key(band_bytes):
    """A band's key as a signed 64-bit SQLite INTEGER (MinHashLSH's hashfunc).

    Unhashed, datasketch keys a band by its r hash values' bytes (52 at
    r = 13): 8 keep version_lsh small. blake2b, not hash(): the same in
    every process. Two bands colliding only add a candidate, which the
    estimate then filters. Part of the stored keys' meaning: never change it.
    """
    return int.from_bytes(hashlib.blake2b(band_bytes, digest_size=8).digest(), "big", signed=True)


def banding(threshold=DEFAULT_THRESHOLD, num_perm=DEFAULT_NUM_PERM):
    """An empty datasketch MinHashLSH for *threshold*: its b, r and band keys, not its buckets."""
    from datasketch import MinHashLSH

    return MinHashLSH(threshold=max(0.1, threshold - MARGIN), num_perm=num_perm, hashfunc=_band_key)


def band_keys(lsh, minhash):
    """(band, key) of each band of a MinHash, as *lsh* keys them."""
    # _H is private, but it is what MinHashLSH.insert and query key a bucket
    # by (the bytes of the hash values in the scheme's dtype, uint32 for
    # affine32: so a MinHash, not the stored uint64 blob);
    # tests/archive/test_near_duplicates.py compares with lsh.query.
    values = minhash.hashvalues
    return [(band, lsh._H(values[start:end])) for band, (start, end) in enumerate(lsh.hashranges)]


def _store_signature(db, version_id, minhash, num_perm):
    db.execute(
        "insert or replace into version_minhash (version_id, num_perm, scheme, hashvalues) values (?, ?, ?, ?)",
        [version_id, num_perm, SCHEME, _to_blob(minhash)],
    )


def fill_bands(db, threshold=DEFAULT_THRESHOLD, num_perm=DEFAULT_NUM_PERM):
    """Make version_lsh again from every stored signature, banded for *threshold*.

    Signatures of another size or scheme are first made again from their
    text. One signature in memory at a time. Runs in the caller's
    transaction (a savepoint when one is open).
    """
    lsh = banding(threshold, num_perm)
    with db.atomic():
        stale = [
            row[0]
            for row in db.execute(
                "select version_id from version_minhash where num_perm != ? or scheme != ?", [num_perm, SCHEME]
            ).fetchall()
        ]
        for version_id in stale:
            row = db.execute("select text from versions where id = ?", [version_id]).fetchone()
            if row is None:
                db.execute("delete from version_minhash where version_id = ?", [version_id])
            else:
                _store_signature(db, version_id, signature(row[0], num_perm), num_perm)
        db.execute("delete from version_lsh")
        db.execute("delete from version_lsh_banding")
        db.execute(
            "insert into version_lsh_banding (num_perm, scheme, bands, rows) values (?, ?, ?, ?)",
            [num_perm, SCHEME, lsh.b, lsh.r],
        )
        # A cursor, not a list: the archive's signatures are never all in memory.
        signatures = db.conn.execute("select version_id, scheme, hashvalues from version_minhash")
        db.conn.executemany(
            "insert into version_lsh (band, key, version_id) values (?, ?, ?)",
            (
                (band, key, version_id)
                for version_id, scheme, blob in signatures
                for band, key in band_keys(lsh, _from_blob(blob, scheme))
            ),
        )


class NearDuplicateIndex:
    """Finds the near-duplicates of each version added, and links them.

    Holds nothing per stored version: each add() queries the archive's LSH
    bands (version_lsh) and reads the signatures of the versions found.
    Opening it reads every stored signature only when the bands were made
    for another threshold or signature size (fill_bands), one at a time.
    """

    def __init__(self, db, threshold=DEFAULT_THRESHOLD, num_perm=DEFAULT_NUM_PERM):
        self.db = db
        self.threshold = threshold
        self.num_perm = num_perm
        self.lsh = banding(threshold, num_perm)
        self._check_banding()

    def _check_banding(self):
        """Fill the bands again if they were made for another banding."""
        found = [tuple(row) for row in self.db.execute("select num_perm, scheme, bands, rows from version_lsh_banding")]
        if found != [(self.num_perm, SCHEME, self.lsh.b, self.lsh.r)]:
            fill_bands(self.db, self.threshold, self.num_perm)

    def __len__(self):
        # Every indexed version has one row per band: count band 0's (an
        # index range), not version_minhash's rows (every signature's page).
        return self.db.execute("select count(*) from version_lsh where band = 0").fetchone()[0]

    def __contains__(self, version_id):
        return (
            self.db.execute("select 1 from version_minhash where version_id = ?", [version_id]).fetchone() is not None
        )

    def missing(self):
        """Ids of the stored versions without a signature, in id order (one query)."""
        # Sorted here: "order by id" would scan the versions table, texts and
        # all, instead of a small index of it.
        return sorted(
            row[0]
            for row in self.db.execute(
                "select id from versions where not exists "
                "(select 1 from version_minhash m where m.version_id = versions.id)"
            )
        )

    def _sharing_a_band(self, minhash, columns):
        keys = band_keys(self.lsh, minhash)
        return self.db.execute(
            f"with wanted (band, key) as (values {', '.join(['(?, ?)'] * len(keys))}) "
            f"select {columns} from version_minhash m where m.version_id in "
            "(select l.version_id from wanted join version_lsh l on l.band = wanted.band and l.key = wanted.key)",
            [value for pair in keys for value in pair],
        )

    def query(self, minhash):
        """Ids of the indexed versions that share a band with *minhash* (MinHashLSH.query)."""
        return sorted(row[0] for row in self._sharing_a_band(minhash, "m.version_id"))

    def stored_signature(self, version_id):
        """The stored signature of *version_id* (a LeanMinHash), or None."""
        row = self.db.execute(
            "select num_perm, scheme, hashvalues from version_minhash where version_id = ?", [version_id]
        ).fetchone()
        return None if row is None or row[0] != self.num_perm else _from_blob(row[2], row[1])

    def _text(self, version_id):
        row = self.db.execute("select text from versions where id = ?", [version_id]).fetchone()
        return None if row is None else row[0]

    def _report_of(self, version_id):
        row = self.db.execute("select report_id from versions where id = ?", [version_id]).fetchone()
        return None if row is None else row[0]

    def _candidates(self, minhash, same_report_ids, version_id):
        """(version id, estimate or None) to compare exactly, in id order.

        The estimate first: from the stored signatures, while the exact
        similarity needs the other text. Every other version of the same
        report, and of the other reports' versions whose estimate reaches
        threshold - MARGIN only the MAX_EXACT_CHECKS most similar: the many
        reports of one template sit just under the threshold, and comparing
        each new one with all of them made indexing quadratic in the
        archive's size. The versions found are read one at a time, keeping
        only the best: a template's look-alikes may be many.
        """

        import numpy as np

        def estimates():
            rows = self._sharing_a_band(minhash, "m.version_id, m.num_perm, m.scheme, m.hashvalues")
            while chunk := rows.fetchmany(ESTIMATE_CHUNK):
                kept = [
                    (other_id, blob)
                    for other_id, num_perm, scheme, blob in chunk
                    if other_id != version_id
                    and other_id not in same_report_ids
                    and num_perm == self.num_perm
                    and (scheme or SCHEME) == minhash.scheme
                ]
                if not kept:
                    continue
                ids = np.array([other_id for other_id, _ in kept])
                values = _estimates(minhash, [blob for _, blob in kept])
                reach = values >= self.threshold - MARGIN
                ids, values = ids[reach], values[reach]
                # Only a chunk's best can be among the best of all.
                for index in np.lexsort((ids, -values))[:MAX_EXACT_CHECKS]:
                    yield float(values[index]), int(ids[index])

        best = heapq.nsmallest(MAX_EXACT_CHECKS, estimates(), key=lambda pair: (-pair[0], pair[1]))
        chosen = {other_id: estimate for estimate, other_id in best}
        for other_id in same_report_ids:
            other_minhash = self.stored_signature(other_id)
            chosen[other_id] = None if other_minhash is None else float(minhash.jaccard(other_minhash))
        return sorted(chosen.items())

    def add(self, version_id, text, hashvalues=None):
        """Index one version; returns the links made (list of dicts).

        *hashvalues* is the text's signature(...).hashvalues when computed
        already (a crawl's workers do: document/prepare.py).

        Stores the version's signature and bands, and links it to every
        indexed version whose exact similarity is at least the threshold and
        to every other version of its own report. Runs in the caller's
        transaction (a savepoint when one is open). A version already
        indexed is left as it is and gets no new links.
        """
        if version_id in self:
            return []
        # Another index (another threshold) may have filled the bands again since.
        self._check_banding()
        if hashvalues is not None and len(hashvalues) == self.num_perm:
            minhash = _from_hashvalues(hashvalues)
        else:
            minhash = signature(text, self.num_perm)
        report_id = self._report_of(version_id)
        same_report_ids = set()
        if report_id is not None:
            same_report_ids = {
                row[0]
                for row in self.db.execute(
                    "select id from versions where report_id = ? and id != ?", [report_id, version_id]
                ).fetchall()
            }
        candidates = self._candidates(minhash, same_report_ids, version_id)
        own = shingle_ids(text)
        links = []
        now = utcnow()
        with self.db.atomic():
            _store_signature(self.db, version_id, minhash, self.num_perm)
            self.db.conn.executemany(
                "insert or ignore into version_lsh (band, key, version_id) values (?, ?, ?)",
                [(band, key, version_id) for band, key in band_keys(self.lsh, minhash)],
            )
            for other_id, estimate in candidates:
                same_report = other_id in same_report_ids
                other_text = self._text(other_id)
                if other_text is None:  # deleted since
                    continue
                if estimate is None:  # a version of this report not indexed yet
                    estimate = float(minhash.jaccard(signature(other_text, self.num_perm)))
                similarity = jaccard_ids(own, shingle_ids(other_text))
                if similarity < self.threshold and not same_report:
                    continue
                link = {
                    "version_id": min(version_id, other_id),
                    "other_version_id": max(version_id, other_id),
                    "same_report": int(same_report),
                    "estimated_similarity": round(estimate, 4),
                    "similarity": round(similarity, 4),
                    "linked_at": now,
                }
                self.db.execute(
                    """insert into version_links
  (version_id, other_version_id, same_report, estimated_similarity, similarity, linked_at)
values (:version_id, :other_version_id, :same_report, :estimated_similarity, :similarity, :linked_at)
on conflict (version_id, other_version_id) do update set
  same_report = excluded.same_report,
  estimated_similarity = excluded.estimated_similarity,
  similarity = excluded.similarity,
  linked_at = excluded.linked_at""",
                    link,
                )
                links.append(link)
        return links


def index_archive(db, threshold=DEFAULT_THRESHOLD, num_perm=DEFAULT_NUM_PERM, rebuild=False):
    """Index every version not yet indexed (all with rebuild); returns the links made."""
    links = []
    with db.atomic():
        create_near_duplicate_schema(db)
        if rebuild:
            db.execute("delete from version_links")
            db.execute("delete from version_lsh")
            db.execute("delete from version_minhash")
        index = NearDuplicateIndex(db, threshold=threshold, num_perm=num_perm)
        for version_id in index.missing():
            links.extend(index.add(version_id, index._text(version_id)))
    return links


def describe_links(db, links):
    """Rows of the near_duplicates view for the given links."""
    rows = []
    for link in links:
        row = db.execute(
            "select * from near_duplicates where version_id = ? and other_version_id = ?",
            [link["version_id"], link["other_version_id"]],
        )
        columns = [d[0] for d in row.description]
        found = row.fetchone()
        if found is not None:
            rows.append(dict(zip(columns, found, strict=True)))
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(
        description="Link near-duplicate versions (MinHash LSH of character 3-grams) in an archive."
    )
    parser.add_argument("archive_db", help="path of the archive SQLite file")
    parser.add_argument(
        "--threshold",
        type=float,
        default=DEFAULT_THRESHOLD,
        help="least Jaccard similarity of character 3-grams that links versions of different reports (default %(default)s)",
    )
    parser.add_argument(
        "--rebuild", action="store_true", help="forget all signatures and links and index every version"
    )
    args = parser.parse_args(argv)
    if not 0.0 < args.threshold <= 1.0:
        parser.error("--threshold must be in (0, 1]")
    if not Path(args.archive_db).is_file():
        parser.error(f"no such file: {args.archive_db}")
    db = sqlite_utils.Database(args.archive_db)
    if not db["versions"].exists():
        db.close()
        parser.error(f"not an archive (no versions table): {args.archive_db}")
    try:
        links = index_archive(db, threshold=args.threshold, rebuild=args.rebuild)
        rows = describe_links(db, links)
    finally:
        db.close()
    print("similarity\testimated\tsame_report\tversion_id\tagency\tyear\tother_version_id\tother_agency\tother_year")
    for row in rows:
        print(
            "\t".join(
                str(row[key])
                for key in (
                    "similarity",
                    "estimated_similarity",
                    "same_report",
                    "version_id",
                    "agency",
                    "year",
                    "other_version_id",
                    "other_agency",
                    "other_year",
                )
            )
        )
    print(f"{len(rows)} link(s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
