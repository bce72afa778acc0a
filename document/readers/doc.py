"""Text of a legacy Word (.doc, and .wps saved in that format) report.

No Python library reads the Word 97-2003 binary format. Of Debian's tools,
catdoc and antiword garble the merged cells of the standard statistics
tables (seen on our fixtures); LibreOffice reads them exactly. So the file
is converted to DOCX by LibreOffice headless and read like any DOCX.
"""

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from document.readers.docx import read_docx

# An environment variable, not a setting: extraction workers see no Scrapy
# settings (README, environment variables).
SOFFICE = os.environ.get("SOFFICE", "soffice")


class ReaderUnavailable(Exception):
    """A tool this format needs is not installed."""


def read_doc(body, timeout=120, dates=None):
    soffice = shutil.which(SOFFICE)
    if not soffice:
        raise ReaderUnavailable("LibreOffice is not installed (apt-get install libreoffice-writer-nogui)")
    with tempfile.TemporaryDirectory(prefix="ogi-doc-") as work:
        source = Path(work) / "report.doc"
        source.write_bytes(body)
        # A profile of its own: two LibreOffice processes sharing one block each other.
        profile = Path(work, "profile").as_uri()
        # soffice starts soffice.bin in turn: on a timeout kill the whole group.
        process = subprocess.Popen(
            [
                soffice,
                f"-env:UserInstallation={profile}",
                "--headless",
                "--norestore",
                "--convert-to",
                "docx",
                "--outdir",
                work,
                str(source),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        try:
            stdout, stderr = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired as error:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            raise ValueError(f"LibreOffice took more than {timeout} s") from error
        result = subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)
        converted = Path(work) / "report.docx"
        if result.returncode != 0 or not converted.exists():
            detail = (result.stderr or result.stdout).decode("utf-8", "replace")[:300]
            raise ValueError(f"LibreOffice could not convert the file ({result.returncode}): {detail}")
        return read_docx(converted.read_bytes(), dates)
