"""Text of a legacy Word (.doc, and .wps saved in that format) report.

No Python library reads the Word 97-2003 binary format; Debian's catdoc
does, with Chinese, and separates table cells with tabs in its ASCII
(-a) format. It runs as a subprocess on the file's bytes.
"""

import shutil
import subprocess
import tempfile

CATDOC = shutil.which("catdoc") or "/usr/bin/catdoc"


class ReaderUnavailable(Exception):
    """A tool this format needs is not installed."""


def read_doc(body, timeout=60):
    if not shutil.which(CATDOC):
        raise ReaderUnavailable("catdoc is not installed (apt-get install catdoc)")
    with tempfile.NamedTemporaryFile(suffix=".doc") as handle:
        handle.write(body)
        handle.flush()
        result = subprocess.run(
            [CATDOC, "-a", "-w", "-d", "utf-8", handle.name],
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    if result.returncode != 0:
        raise ValueError(f"catdoc failed ({result.returncode}): {result.stderr.decode('utf-8', 'replace')[:300]}")
    # Form feeds mark page breaks; catdoc puts a blank line between paragraphs.
    text = result.stdout.decode("utf-8", errors="replace").replace("\f", "\n")
    return "\n".join(line for line in text.splitlines() if line.strip())
