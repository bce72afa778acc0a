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
``version_minhash``; a MinHashLSH over all stored signatures finds candidate
pairs, and for those few the exact Jaccard similarity of the two 3-gram sets is
computed from the texts. Pairs at or above the threshold are stored in
``version_links``. Versions of the same report are always linked, whatever
their similarity: they are the same document by identity, and the similarity
measures the revision.

Reports of one template (the national format's tables and set phrases) share
many 3-grams; see tests/archive/test_near_duplicates.py for the similarities
measured and why the threshold is 0.9: 0.8 links different reports of one template.

    python -m archive.near_duplicates ARCHIVE_DB [--threshold 0.8] [--rebuild]   # alias of `ogi near-duplicates`
"""

import argparse
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


def _lean(minhash):
    from datasketch import LeanMinHash

    return LeanMinHash(minhash)


def _from_blob(blob, scheme=SCHEME):
    import numpy as np

    return _from_hashvalues(np.frombuffer(blob, dtype="<u8"), scheme)


def _from_hashvalues(hashvalues, scheme=SCHEME):
    from datasketch import LeanMinHash

    return LeanMinHash(seed=SEED, hashvalues=hashvalues, scheme=scheme or SCHEME)


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


class NearDuplicateIndex:
    """The LSH of every stored signature, and the writes that link versions.

    Build it once per crawl: the constructor reads every stored signature.
    Versions without a stored signature are not in the index until add()ed.
    """

    def __init__(self, db, threshold=DEFAULT_THRESHOLD, num_perm=DEFAULT_NUM_PERM):
        from datasketch import MinHashLSH

        self.db = db
        self.threshold = threshold
        self.num_perm = num_perm
        self.lsh = MinHashLSH(threshold=max(0.1, threshold - MARGIN), num_perm=num_perm)
        self._signatures = {}
        stale = []
        for version_id, stored_perm, scheme, blob in db.execute(
            "select version_id, num_perm, scheme, hashvalues from version_minhash"
        ).fetchall():
            if stored_perm != num_perm or scheme != SCHEME:
                stale.append(version_id)
                continue
            self._remember(version_id, _from_blob(blob, scheme))
        # Signatures of another size or scheme cannot share this LSH: remake them.
        for version_id in stale:
            row = db.execute("select text from versions where id = ?", [version_id]).fetchone()
            with db.atomic():
                if row is None:
                    db.execute("delete from version_minhash where version_id = ?", [version_id])
                    continue
                minhash = signature(row[0], num_perm)
                self._store_signature(version_id, minhash)
            self._remember(version_id, _lean(minhash))

    def __len__(self):
        return len(self._signatures)

    def __contains__(self, version_id):
        return version_id in self._signatures

    def _remember(self, version_id, minhash):
        self.lsh.insert(version_id, minhash, check_duplication=False)
        self._signatures[version_id] = minhash

    def _store_signature(self, version_id, minhash):
        self.db.execute(
            "insert or replace into version_minhash (version_id, num_perm, scheme, hashvalues) values (?, ?, ?, ?)",
            [version_id, self.num_perm, SCHEME, _to_blob(minhash)],
        )

    def _text(self, version_id):
        row = self.db.execute("select text from versions where id = ?", [version_id]).fetchone()
        return None if row is None else row[0]

    def _report_of(self, version_id):
        row = self.db.execute("select report_id from versions where id = ?", [version_id]).fetchone()
        return None if row is None else row[0]

    def _candidates(self, minhash, same_report_ids, version_id):
        """(version id, estimate or None) to compare exactly, in id order.

        The estimate first: in memory, while the exact similarity needs the
        other text. Every other version of the same report, and of the other
        reports' versions whose estimate reaches threshold - MARGIN only the
        MAX_EXACT_CHECKS most similar: the many reports of one template sit
        just under the threshold, and comparing each new one with all of
        them made indexing quadratic in the archive's size.
        """
        chosen, others = {}, []
        for other_id in set(self.lsh.query(minhash)) | same_report_ids:
            if other_id == version_id:
                continue
            other_minhash = self._signatures.get(other_id)
            estimate = None if other_minhash is None else float(minhash.jaccard(other_minhash))
            if other_id in same_report_ids:
                chosen[other_id] = estimate
            elif estimate is not None and estimate >= self.threshold - MARGIN:
                others.append((estimate, other_id))
        for estimate, other_id in sorted(others, key=lambda pair: (-pair[0], pair[1]))[:MAX_EXACT_CHECKS]:
            chosen[other_id] = estimate
        return sorted(chosen.items())

    def add(self, version_id, text, hashvalues=None):
        """Index one version; returns the links made (list of dicts).

        *hashvalues* is the text's signature(...).hashvalues when computed
        already (a crawl's workers do: document/prepare.py).

        Stores the version's signature, links it to every indexed version
        whose exact similarity is at least the threshold and to every other
        version of its own report, and adds it to the LSH. Runs in the
        caller's transaction (a savepoint when one is open). A version
        already indexed is left as it is and gets no new links.
        """
        if version_id in self._signatures:
            if self.db.execute("select 1 from version_minhash where version_id = ?", [version_id]).fetchone():
                return []
            # Added in a transaction that was rolled back: the id may now
            # be another text's.
            self.lsh.remove(version_id)
            del self._signatures[version_id]
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
            self._store_signature(version_id, minhash)
            for other_id, estimate in candidates:
                same_report = other_id in same_report_ids
                other_text = self._text(other_id)
                if other_text is None:  # indexed, then rolled back or deleted
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
        # Only once the writes succeeded: a failed add leaves the LSH as it was.
        self._remember(version_id, _lean(minhash))
        return links


def index_archive(db, threshold=DEFAULT_THRESHOLD, num_perm=DEFAULT_NUM_PERM, rebuild=False):
    """Index every version not yet indexed (all with rebuild); returns the links made."""
    links = []
    with db.atomic():
        create_near_duplicate_schema(db)
        if rebuild:
            db.execute("delete from version_links")
            db.execute("delete from version_minhash")
        index = NearDuplicateIndex(db, threshold=threshold, num_perm=num_perm)
        todo = [
            row[0]
            for row in db.execute(
                "select id from versions where id not in (select version_id from version_minhash) order by id"
            ).fetchall()
        ]
        for version_id in todo:
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
