"""The errors a user can cause and fix: the ``spiketeach`` command reports each as one line.

Every exception the package raises for a problem of its input — a data set that is missing or
corrupted, a device that is unknown or not installed, a checkpoint written for another network,
arguments out of range, a run that diverged — derives from :class:`SpiketeachError`. The command
(:func:`spiketeach.cli.main`) catches exactly these and prints ``spiketeach: <message>`` with exit
code 2; anything else is a bug and keeps its traceback. Each class also derives from the built-in
exception it refines, so ``except RuntimeError`` / ``except ValueError`` callers are unaffected.
"""

from __future__ import annotations

__all__ = ["SpiketeachError", "UsageError", "DivergenceError"]


class SpiketeachError(Exception):
    """An expected error: its message says what is wrong and how to fix it."""


class UsageError(SpiketeachError, ValueError):
    """Command-line arguments that are malformed or out of range."""


class DivergenceError(SpiketeachError, FloatingPointError):
    """A state variable became NaN or inf during training (a learning rate too large)."""
