"""统一社会信用代码 (GB 32100-2015): the pattern and the check digit.

18 characters: the registering authority and organisation type, the
six-digit division where it registered, the organisation code, a check
character. The letters I, O, S, V and Z are never used.
"""

import re

CODE = r"[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}"
CREDIT_CODE_RE = re.compile(rf"(?<![0-9A-Z]){CODE}(?![0-9A-Z])")
_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def checksum_ok(code):
    """Whether the last character is the GB 32100 check character of the first 17."""
    if not CREDIT_CODE_RE.fullmatch(code or ""):
        return False
    total = sum(_CHARS.index(char) * weight for char, weight in zip(code[:17], _WEIGHTS, strict=True))
    return _CHARS[(31 - total % 31) % 31] == code[17]
