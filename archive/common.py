"""Helpers shared across the archive and the pipelines: a leaf module (it
imports nothing of the project), so archive.db and the modules it uses can
all import it without a cycle."""

import datetime

# Time stamps as the archive writes them: UTC, ISO 8601, seconds.
ISO_SECONDS = "%Y-%m-%dT%H:%M:%SZ"

# Full-width ASCII digits and letters (０-９, Ａ-Ｚ, ａ-ｚ) to ASCII, for
# str.translate; full-width punctuation is proper Chinese typography.
FULLWIDTH_DIGITS = {code: code - 0xFEE0 for code in range(0xFF10, 0xFF1A)}
FULLWIDTH_ALNUM = {
    **FULLWIDTH_DIGITS,
    **{code: code - 0xFEE0 for code in range(0xFF21, 0xFF3B)},
    **{code: code - 0xFEE0 for code in range(0xFF41, 0xFF5B)},
}


def utcnow():
    return datetime.datetime.now(datetime.UTC).strftime(ISO_SECONDS)
