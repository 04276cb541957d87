"""What every family's built network offers: the :class:`NetworkHandle` protocol.

Each family's ``build(...)`` returns a handle (``BANetwork``, ``FANetwork``, ``EMSTDPNetwork``)
that holds the Brian2 objects it built and, through the members below, its state by stable keys
(``"forward0.w"``, ``"layer1.theta"``, ...). Code written against this protocol — the block
training loop (:func:`spiketeach.core.training.train_blocks`), checkpoints, sweeps over seeds —
works for every family, present and future.

:class:`HandleMixin` holds the parts that are the same code in every handle (reading the state,
setting it, making the block runner); a family overrides only what it does differently (e.g.
Samadi's event-driven projections store their weights in other variables).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, Protocol, runtime_checkable

import numpy as np

if TYPE_CHECKING:  # (brian2 is imported only where a runner is made)
    from spiketeach.core.runner import BlockRunner

__all__ = ["NetworkHandle", "HandleMixin"]


@runtime_checkable
class NetworkHandle(Protocol):
    """The members every family's network handle has.

    A *state* is a dict ``{key: 1-D float array}`` of everything that carries over from one block
    to the next (weights, biases, optimiser accumulators, potentials that persist): a block
    started from a state continues exactly where the block that produced it ended.
    """

    def state_views(self) -> dict[str, object]:
        """``{key: Brian2 variable view}`` of the variables a block carries over (read them
        with ``view[:]`` after a run; set them before one)."""

    def state_keys(self) -> set[str]:
        """The keys of :meth:`get_state`, known without running (on a standalone device the
        values cannot be read before the first block)."""

    def get_state(self) -> dict[str, np.ndarray]:
        """The state as it is now (after a block), by the keys of :meth:`state_keys`."""

    def state_pairs(self, state: dict[str, np.ndarray]) -> list[tuple[object, np.ndarray]]:
        """``(view, value)`` pairs that set ``state`` (a dict like :meth:`get_state`'s) as the
        start of the next block, as :meth:`BlockRunner.run
        <spiketeach.core.runner.BlockRunner.run>` takes them."""

    def initial_state(self, seed: int) -> dict[str, np.ndarray]:
        """The t = 0 state of this same build drawn for ``seed``: one compiled network runs
        many initialisations (seeds of a sweep) without being built again."""

    def weights(self) -> list[np.ndarray]:
        """The forward weight matrices as they are now, each (n_post × n_pre)."""

    @property
    def runner(self) -> "BlockRunner":
        """The one :class:`~spiketeach.core.runner.BlockRunner` of this network: every block
        re-runs the same build (on standalone devices: the same compiled binary)."""


class HandleMixin:
    """The shared code of the :class:`NetworkHandle` members.

    A handle (a dataclass) using it has ``net`` (the Brian2 Network), ``duration`` (the length of
    one block), a field ``_runner: BlockRunner | None = field(default=None, repr=False)`` and
    :meth:`state_views`; it sets ``seeded_blocks = True`` when its simulation draws random
    numbers, so that each block can be given its own seed.
    """

    #: the runner accepts a seed per block (see :class:`~spiketeach.core.runner.BlockRunner`)
    seeded_blocks: ClassVar[bool] = False

    def state_keys(self) -> set[str]:
        return set(self.state_views())

    def get_state(self) -> dict[str, np.ndarray]:
        return {key: np.array(view[:], dtype=float) for key, view in self.state_views().items()}

    def state_pairs(self, state: dict[str, np.ndarray]) -> list[tuple[object, np.ndarray]]:
        missing = self.state_keys() - set(state)
        if missing:
            raise ValueError(f"state lacks {sorted(missing)}")
        return [(view, np.asarray(state[key], dtype=float))
                for key, view in self.state_views().items()]

    @property
    def runner(self) -> "BlockRunner":
        """The one runner of this network: every block re-runs the same build."""
        if self._runner is None:
            from spiketeach.core.runner import BlockRunner
            self._runner = BlockRunner(self.net, self.duration, seeded=self.seeded_blocks)
        return self._runner
