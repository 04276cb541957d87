"""The figure scripts' shared command line and result writing (spiketeach.results)."""

import json
from pathlib import Path

import numpy as np
import pytest

import spiketeach
from spiketeach.results import add_sweep_options, figure_parser, table, write_result


def test_write_result_stamps_version_and_converts_numpy(tmp_path):
    path = write_result(tmp_path / "sub", "fig", {"ours": {"r": np.float64(0.5),
                                                          "counts": np.arange(3)}})
    data = json.loads(path.read_text())
    assert path == tmp_path / "sub" / "fig.json"
    assert data == {"ours": {"r": 0.5, "counts": [0, 1, 2]}, "version": spiketeach.__version__}


def test_write_result_refuses_what_json_cannot_hold(tmp_path):
    with pytest.raises(TypeError, match="object is not JSON serialisable"):
        write_result(tmp_path, "fig", {"ours": object()})


def test_figure_parser_defaults_and_unknown_device(tmp_path, capsys):
    parser = figure_parser("Fig. X of a paper.\n\nMore.", quick="seconds", out=tmp_path,
                           device="cpp_standalone")
    args = parser.parse_args([])
    assert (args.quick, args.seed, args.device, args.out) == (False, 0, "cpp_standalone", tmp_path)
    assert parser.description == "Fig. X of a paper."
    with pytest.raises(SystemExit):
        parser.parse_args(["--device", "gpu"])
    assert "invalid choice: 'gpu'" in capsys.readouterr().err

    add_sweep_options(parser, trials="trials per depth")
    args = parser.parse_args(["--workers", "2", "--trials", "7", "--plot-only"])
    assert (args.workers, args.scheduler, args.trials, args.plot_only) == (2, None, 7, True)
    assert parser.parse_args([]).workers == 1


def test_table_lists_paper_and_ours_side_by_side(tmp_path):
    (tmp_path / "figures" / "paper2000").mkdir(parents=True)
    write_result(tmp_path / "figures" / "paper2000", "fig", {"paper": {"acc": 97.0}, "ours": {"acc": 95.5},
                                               "wall_s": 12.0, "quick": False})
    assert "| paper2000/fig | acc | 97 | 95.5 | full | 12 s |" in table(Path(tmp_path))
