"""Item pipelines, one job each, wired in ITEM_PIPELINES order:

extract (100) -> normalize (200) -> identify (300) -> published (320) -> store (400).
"""
