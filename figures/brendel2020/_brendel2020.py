"""Shared parts of the brendel2020 figure scripts (fig2, ei): their extra options, the command
line's run, and which weight snapshots are evaluated (not a figure script: the leading _ keeps it
out of the figure registry; the family's name keeps it apart from other folders' helpers in
sys.modules)."""

from __future__ import annotations

import numpy as np


def eval_indices(n_records: int, n_eval: int) -> list[int]:
    """Snapshot indices spread on a log scale (0 = before learning)."""
    picks = np.unique(np.round(np.geomspace(1, n_records - 1, n_eval - 1)).astype(int))
    return [0] + [int(p) for p in picks]


def parse_and_run(parser, argv, run):
    """Add ``--steps`` and ``--params`` to the script's ``parser``, parse ``argv`` and call
    ``run``; returns (arguments, the result)."""
    parser.add_argument("--steps", type=int, default=None, help="learning steps (override)")
    parser.add_argument("--params", choices=("code", "table"), default="code",
                        help="authors' script values (default) or the supplement's table")
    args = parser.parse_args(argv)
    return args, run(args.out, quick=args.quick, seed=args.seed, device=args.device,
                     steps=args.steps, params=args.params)
