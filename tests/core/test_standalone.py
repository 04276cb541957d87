"""Run-time value files of standalone re-runs (spiketeach.core.standalone.write_run_args)."""

import numpy as np
import pytest

from spiketeach.core.standalone import write_run_args


def test_run_arg_files_have_lower_case_names_and_their_content(tmp_path):
    """Brian2CUDA's binary lower-cases the whole value it is given, so a file named after
    ``forward0.DW`` must have a lower-case name; single values go inline."""
    dw = np.linspace(-1, 1, 6)
    argv, files = write_run_args([("forward0.DW", dw), ("hidden0.Db", np.zeros(3)),
                                  ("gate.g", np.array([0.5]))],
                                 tmp_path, tmp_path / "static_arrays", lowercased=True)
    assert argv[2] == "gate.g=0.5" and len(files) == 2
    for arg, path in zip(argv[:2], files):
        name, rel = arg.split("=")
        assert rel == rel.lower() and (tmp_path / rel).exists()
        assert rel.startswith("static_arrays/init_") and name.lower().replace(".", "_") in rel
    np.testing.assert_array_equal(np.fromfile(files[0]), dw)
    again, _ = write_run_args([("forward0.DW", dw)], tmp_path, tmp_path / "static_arrays")
    assert again[0] == argv[0]  # named by content: the same values, the same file


def test_a_path_the_cuda_binary_would_change_is_refused(tmp_path):
    with pytest.raises(ValueError, match="capital letters"):
        write_run_args([("forward0.w", np.ones(4))], tmp_path, tmp_path / "Results",
                       lowercased=True)
    argv, _ = write_run_args([("forward0.w", np.ones(4))], tmp_path, tmp_path / "Results")
    assert "Results/" in argv[0]  # cpp_standalone reads it as given
