"""Progress of long runs (training blocks, sweeps, figure scripts) through tqdm.

A :class:`Progress` is the ``progress`` callable the training loops already take: called with a
message it prints the message (to stdout); given counts through :func:`report` it shows them —
a tqdm bar with examples/s, ETA and the running error on a terminal, and one plain line per
update (formatted by tqdm too) when stderr is a file or a pipe, so that logs stay readable::

    with Progress("train", unit="ex") as progress:
        train_in_blocks(..., progress=progress)

The loops call :func:`report`, which hands counts to a :class:`Progress` and the usual one-line
message to any other callable (``print``, ``list.append``), so a caller that passes ``print``
sees what it always saw. tqdm is imported only when a :class:`Progress` is made.

The first update of a run starts the clock: the first block includes code generation and
compilation, so the rate and ETA count from the end of it (the bar shows ``?`` until then).
"""

from __future__ import annotations

import sys
import time

__all__ = ["Progress", "report"]

#: one plain line per update: what the bar shows, without the bar
PLAIN_FORMAT = "{desc}: {n_fmt}/{total_fmt} {unit} [{elapsed}<{remaining}, {rate_fmt}{postfix}]"


class Progress:
    """Counts shown as a tqdm bar (terminal) or plain lines (otherwise); messages printed.

    Parameters
    ----------
    desc : str
        What is counted, at the start of the bar or line (e.g. ``"train"``).
    unit : str
        The unit of the counts (``"ex"``: examples shown, ``"trials"``).
    file : file object, optional
        Where the bar or the plain lines go (default ``sys.stderr``).
    plain : bool, optional
        Plain lines instead of a bar (default: unless ``file`` is a terminal).
    out : file object, optional
        Where messages go (default ``sys.stdout``).
    """

    def __init__(self, desc: str = "", unit: str = "ex", *, file=None, plain: bool | None = None,
                 out=None):
        from tqdm import tqdm

        self._tqdm = tqdm
        self.desc, self.unit = desc, unit
        self.file = file if file is not None else sys.stderr
        self.out = out
        if plain is None:
            isatty = getattr(self.file, "isatty", None)
            plain = not (isatty is not None and isatty())
        self.plain = plain
        self._bar = None
        self._run = None  # plain mode: (total, n at the first update, its time)

    def __call__(self, message: str) -> None:
        """Print a message (above the bar, if one is showing)."""
        out = self.out if self.out is not None else sys.stdout
        if self._bar is not None:
            self._tqdm.write(str(message), file=out)
        else:
            print(message, file=out, flush=True)

    def update_to(self, done: int, total: int, **postfix) -> None:
        """``done`` of ``total`` units are finished; ``postfix`` (e.g. ``train_err=0.12``) is
        shown after the rate. A count lower than the last one, or another total, starts a new
        run (e.g. the next configuration of a figure)."""
        postfix = {k: f"{v:.3f}" if isinstance(v, float) else str(v) for k, v in postfix.items()}
        if self.plain:
            self._plain_line(done, total, postfix)
            return
        bar = self._bar
        if bar is not None and (done < bar.n or total != bar.total):
            self.close()
            bar = None
        if bar is None:  # the first update starts the clock (see the module docstring)
            bar = self._bar = self._tqdm(total=total, initial=done, desc=self.desc,
                                         unit=self.unit, file=self.file, dynamic_ncols=True,
                                         leave=True)
            bar.set_postfix(postfix, refresh=True)
        else:
            bar.set_postfix(postfix, refresh=False)
            bar.update(done - bar.n)
        if done >= total:
            self.close()

    def _plain_line(self, done: int, total: int, postfix: dict) -> None:
        now = time.perf_counter()
        if self._run is None or done < self._run[1] or total != self._run[0]:
            self._run = (total, done, now)
        _, first, t_first = self._run
        text = ", ".join(f"{k}={v}" for k, v in postfix.items())
        line = self._tqdm.format_meter(done, total, now - t_first, prefix=self.desc,
                                       unit=self.unit, bar_format=PLAIN_FORMAT, postfix=text,
                                       initial=first)
        print(line, file=self.file, flush=True)
        if done >= total:
            self._run = None

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
        self._run = None

    def __enter__(self) -> "Progress":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def report(progress, message: str, *, done: int, total: int, **postfix) -> None:
    """One progress update of a loop: counts to a :class:`Progress`, ``message`` (the line the
    loop has always printed) to any other callable; nothing for None."""
    if isinstance(progress, Progress):
        progress.update_to(done, total, **postfix)
    elif progress is not None:
        progress(message)
