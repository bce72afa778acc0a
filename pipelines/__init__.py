"""Item pipelines, one job each, wired in ITEM_PIPELINES order (crawler/settings.py):

extract (100) -> normalize (200) -> identify (300) -> published (320) -> warc (350)
-> store (400) -> stats (500) -> near_duplicates (600).
"""
