"""PNG charts of the loop: verification scores by lead day, a firm's electricity use.

matplotlib is an optional extra (``pip install 'lantian[plot]'``); without it a chart request
fails with a one-line message saying so, everything else works.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import Any

from engine.errors import LantianError

__all__ = ["electricity_png", "scores_by_lead_png"]

_LEVEL_COLOURS = {"yellow": "#d4b000", "orange": "#ff7e00", "red": "#c00000"}


def _pyplot() -> Any:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise LantianError(
            "PNG charts need matplotlib, an optional extra: pip install 'lantian[plot]'"
        ) from None
    return plt


def _png(figure: Any) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110)
    _pyplot().close(figure)
    return buffer.getvalue()


def scores_by_lead_png(document: Mapping[str, Any]) -> bytes:
    """Scores by lead day of a verification document: CSI, POD and FAR of each level; the AQI
    category accuracy and RMSE where the forecast has an AQI."""
    plt = _pyplot()
    leads = document["by_lead_day"]
    x = [d["lead_day"] for d in leads]
    has_aqi = any(d["aqi"]["rmse"] is not None for d in leads)
    figure, axes = plt.subplots(1, 2 if has_aqi else 1, figsize=(10 if has_aqi else 6, 4))
    axes = list(axes) if has_aqi else [axes]
    ax = axes[0]
    for level, colour in _LEVEL_COLOURS.items():
        for score, style in (("csi", "-o"), ("pod", "--"), ("far", ":")):
            y = [_nan(d["by_level"][level][score]) for d in leads]
            ax.plot(x, y, style, color=colour, label=f"{score.upper()} {level}")
    ax.set(xlabel="lead day", ylabel="score", ylim=(0, 1.05), title="levels (event: ≥ level)")
    ax.legend(fontsize=7, ncol=3)
    if has_aqi:
        ax2 = axes[1]
        ax2.plot(x, [_nan(d["aqi"]["category_accuracy"]) for d in leads], "-o", label="category")
        ranges = [_nan(d["category_range_accuracy"]) for d in leads]
        ax2.plot(x, ranges, "-s", label="category range")
        ax2.set(xlabel="lead day", ylabel="accuracy", ylim=(0, 1.05), title="AQI")
        twin = ax2.twinx()
        twin.bar(x, [_nan(d["aqi"]["rmse"]) for d in leads], alpha=0.2, color="grey")
        twin.set_ylabel("AQI RMSE")
        ax2.legend(fontsize=7)
    figure.suptitle(
        f"Verification {document['from']} – {document['to']} ({document['source']}, "
        f"{document['pairs']} pairs, {document['left_out']} left out)",
        fontsize=9,
    )
    figure.tight_layout()
    return _png(figure)


def electricity_png(
    title: str,
    hours: Sequence[str],
    use_kwh: Sequence[float],
    baseline_kwh: Sequence[float],
    allowed_kwh: Sequence[float],
) -> bytes:
    """A firm's (or line's) hourly use against its baseline and the use its measure allows."""
    plt = _pyplot()
    figure, ax = plt.subplots(figsize=(9, 3.5))
    x = range(len(hours))
    ax.plot(x, [_nan(v) for v in baseline_kwh], color="grey", label="baseline")
    ax.plot(x, [_nan(v) for v in allowed_kwh], "--", color="#c00000", label="allowed")
    ax.plot(x, [_nan(v) for v in use_kwh], color="#1f4e9a", label="use")
    step = max(1, len(hours) // 8)
    ax.set_xticks(list(x)[::step], [hours[i] for i in range(0, len(hours), step)], fontsize=7)
    ax.set(ylabel="kWh per hour", title=title)
    ax.legend(fontsize=8)
    figure.tight_layout()
    return _png(figure)


def _nan(value: float | None) -> float:
    return float("nan") if value is None else float(value)
