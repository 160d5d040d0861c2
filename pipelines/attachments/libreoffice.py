"""LibreOffice headless as a converter of legacy Word files (DOC, and WPS saved in Word's format)
to DOCX.

Chosen because it is the one maintained reader of Word 97-2003 and Word 6/95 binaries: antiword
(last release 2005) and catdoc (2016) read our test files too and in milliseconds, but are
unmaintained. The cost is start-up: about 1.5 s and 215 MB per conversion, measured here.

Conversions run one at a time (a lock file: two instances on one profile corrupt it), with a
private profile (``-env:UserInstallation``) kept between calls so only the first pays for
creating it, and a timeout that kills the whole process group (``soffice`` starts
``oosplash``, which starts ``soffice.bin``).
"""

from __future__ import annotations

import fcntl
import os
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

_PROFILE = Path(tempfile.gettempdir()) / f"harvest-libreoffice-{os.getuid()}"
_LOCK = Path(tempfile.gettempdir()) / f"harvest-libreoffice-{os.getuid()}.lock"
# DOCX keeps tables as rows and page breaks as breaks, so one reader (docx.py) serves both.
_DOCX_FILTER = "docx:MS Word 2007 XML"


class ConversionError(Exception):
    """One short reason why LibreOffice gave no text."""


def available() -> bool:
    return shutil.which("soffice") is not None


def convert_to_docx(body: bytes, suffix: str, timeout: float) -> bytes:
    """A document LibreOffice can open, given its bytes and the extension to open it as, as DOCX."""
    soffice = shutil.which("soffice")
    if soffice is None:
        raise ConversionError("unsupported here: LibreOffice (soffice) is not installed")
    with tempfile.TemporaryDirectory(prefix="harvest-convert-") as work:
        source = Path(work) / f"attachment{suffix}"
        source.write_bytes(body)
        outdir = Path(work) / "out"
        command = [
            soffice,
            f"-env:UserInstallation={_PROFILE.as_uri()}",
            "--headless",
            "--norestore",
            "--nolockcheck",
            "--convert-to",
            _DOCX_FILTER,
            "--outdir",
            str(outdir),
            str(source),
        ]
        with _one_at_a_time():
            _run(command, timeout)
        target = outdir / "attachment.docx"
        if not target.exists():
            raise ConversionError("broken: LibreOffice could not open it")
        return target.read_bytes()


def _run(command: list[str], timeout: float) -> None:
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        raise ConversionError(f"timeout: LibreOffice took more than {timeout:g} s") from None


@contextmanager
def _one_at_a_time() -> Iterator[None]:
    with _LOCK.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
