"""Headless Chromium for the tests that look at a page as a browser draws it: the DOM after its
scripts ran (MathML, MathJax, mermaid, the page's own hover and label scripts)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def dom(path: Path, *flags: str, timeout: int = 180) -> str:
    """The DOM of the page at `path` once Chromium has loaded it (`flags` such as a virtual-time
    budget for pages whose scripts load files)."""
    return subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            *flags,
            "--dump-dom",
            path.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=True,
    ).stdout
