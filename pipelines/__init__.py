"""Item pipelines, one job each, wired in ITEM_PIPELINES order (crawler/settings.py):

prepare (100: in worker processes, document/prepare.py: read, normalize,
identify, date, parse tables, search text, MinHash) -> warc (350) -> store
(400) -> stats (500) -> near_duplicates (600). The stages from 350 only write.
"""
