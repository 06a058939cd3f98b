"""Training curves as PNG bytes: loss, and held-out accuracy (matplotlib, imported on demand)."""

from __future__ import annotations

import io

from .errors import SymbpError


def require_matplotlib() -> None:
    """Raise SymbpError when matplotlib is missing (checked before any work)."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise SymbpError("plotting needs matplotlib: pip install 'symbp[plot]'") from None


def loss_png(history: list[float], title: str, accuracy: list[float] | None = None) -> bytes:
    """A PNG of loss against epoch (log scale when every loss is positive), with the accuracy
    in percent on a second axis when given."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(range(1, len(history) + 1), history)
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    ax.set_yscale("log" if min(history) > 0 else "linear")
    ax.set_title(title)
    if accuracy is not None:
        acc = ax.twinx()
        acc.plot(range(1, len(accuracy) + 1), [100 * a for a in accuracy], color="tab:orange")
        acc.set_ylabel("held-out accuracy (%)", color="tab:orange")
        ax.set_ylabel("training loss", color="tab:blue")
        fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, metadata={"Software": None})
    plt.close(fig)
    return buf.getvalue()
