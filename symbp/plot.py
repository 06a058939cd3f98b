"""The training loss curve as PNG bytes (matplotlib, imported only when asked for)."""

from __future__ import annotations

import io

from .errors import SymbpError


def require_matplotlib() -> None:
    """Raise SymbpError when matplotlib is missing (checked before any work)."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise SymbpError("plotting needs matplotlib: pip install 'symbp[plot]'") from None


def loss_png(history: list[float], title: str) -> bytes:
    """A PNG of loss against epoch (log scale when every loss is positive)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(range(1, len(history) + 1), history)
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    ax.set_yscale("log" if min(history) > 0 else "linear")
    ax.set_title(title)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, metadata={"Software": None})
    plt.close(fig)
    return buf.getvalue()
