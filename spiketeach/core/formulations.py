"""The three words every family's ``build(formulation=...)`` understands.

* ``"reference"``: the model's equations as written, every synapse updated every step: the
  formulation the others are proven against.
* ``"fast"``: the same model rewritten exactly (event-driven or once-per-presentation updates),
  each rewrite proven equal to the reference by a test its module names.
* ``"genn"``: the same model in what Brian2GeNN 1.7 accepts (:mod:`spiketeach.core.genn_rules`).

``None`` picks ``"genn"`` on the genn device and the family's default elsewhere; on the genn
device the genn formulation is the only one Brian2GeNN accepts, so it is always built there.
"""

from __future__ import annotations

from spiketeach.core.devices import current_device

__all__ = ["FORMULATIONS", "choose_formulation"]

FORMULATIONS = ("reference", "fast", "genn")


def choose_formulation(formulation: str | None, default: str,
                       offered: tuple[str, ...] = FORMULATIONS) -> str:
    """The formulation to build: "genn" on the genn device, else ``formulation`` (checked
    against ``offered``) or, when None, ``default``."""
    if formulation is not None and formulation not in offered:
        raise ValueError(f"unknown formulation {formulation!r}; choose one of {offered}")
    if current_device().name == "genn":
        return "genn"
    return default if formulation is None else formulation
