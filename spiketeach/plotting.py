"""What the figure scripts draw and save the same way: a figure written atomically (with its JSON
beside it, :func:`finish`), lettered panels, spike rasters.

Plotting only: this module takes arrays and Matplotlib axes, imports no model or protocol, and
leaves the choice of backend to the script (pyplot is imported when a figure is closed).
"""

from __future__ import annotations

import os
import string
from pathlib import Path

import numpy as np

from spiketeach.results import finish_result

__all__ = ["save_figure", "finish", "letter_panels", "raster", "matrix_raster"]


def save_figure(fig, path: str | Path, *, dpi: int) -> Path:
    """Lay ``fig`` out tightly, write it as the PNG ``path`` and close it. The PNG appears whole
    or not at all (a reader, the docs build, never sees half a file)."""
    import matplotlib.pyplot as plt

    path = Path(path)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fig.savefig(tmp, dpi=dpi, format="png")
    os.replace(tmp, path)
    plt.close(fig)
    return path


def finish(fig, out_dir: str | Path, name: str, result: dict, start: float, *,
           dpi: int) -> dict:
    """The end of a figure script's ``run()``: ``<out_dir>/<name>.png`` from ``fig``
    (:func:`save_figure`), then ``result`` stamped with its wall time since ``start`` and written
    as ``<out_dir>/<name>.json`` (:func:`spiketeach.results.finish_result`); returns ``result``."""
    save_figure(fig, Path(out_dir) / f"{name}.png", dpi=dpi)
    return finish_result(out_dir, name, result, start)


def letter_panels(axes, fontsize: float = 9) -> None:
    """Prefix each panel's title with its letter (A, B, ... in ``axes``' row-major order),
    left-aligned as the papers' panels are."""
    for ax, letter in zip(np.ravel(axes), string.ascii_uppercase):
        title = ax.get_title()
        ax.set_title("")
        ax.set_title(f"{letter}  {title}", loc="left", fontsize=fontsize)


def raster(ax, t_ms, neurons, *, title: str, ms: float = 4, color="k",
           ylabel: str = "neuron") -> None:
    """Spikes at times ``t_ms`` (ms) of the neurons ``neurons`` as ticks."""
    ax.plot(t_ms, neurons, "|", color=color, ms=ms)
    ax.set(xlabel="time [ms]", ylabel=ylabel, title=title)


def matrix_raster(ax, spikes, t_ms, *, first: int = 0, **kwargs) -> None:
    """:func:`raster` of a (steps x neurons) spike-count array whose steps fall at ``t_ms``;
    its neurons numbered from ``first`` (a second population drawn above a first)."""
    step, neuron = np.nonzero(spikes)
    raster(ax, np.asarray(t_ms)[step], neuron + first, **kwargs)
