"""Ctrl-C while the package loads, under the `symbp` command: one line and status 130.

The package takes seconds to load (sympy); `cli.main` restores Python's own handler once it can
clean up itself. Imported first by `symbp/__init__.py`; library users are not affected.
"""

import os
import signal
import sys


def _interrupted(signum, frame) -> None:
    os.write(2, b"symbp: interrupted; nothing was written\n")
    os._exit(130)


_COMMAND = os.path.basename(sys.argv[0] if sys.argv else "") == "symbp"
if _COMMAND and signal.getsignal(signal.SIGINT) is signal.default_int_handler:
    try:
        signal.signal(signal.SIGINT, _interrupted)
    except ValueError:  # not the main thread
        pass
