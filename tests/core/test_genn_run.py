"""GeNN compiles and RUNS every GeNN formulation, on its single-threaded CPU backend
(``make test-genn``; no GPU needed), and agrees with the standard formulation on cpp_standalone.

GeNN is on no package registry: ``GENN_PATH`` (a GeNN 4 checkout), else the release source
vendored beside the checkout (``../shared/vendor/genn-4.9.0.tar.gz``, unpacked once per session
here; ``make test-genn`` unpacks it into ``.genn/`` so that GeNN's libraries are built once per
checkout), else these tests are skipped with the install instructions. All GeNN builds of this
module share one build directory. Needs Brian2GeNN (brian2 < 2.6, its own environment).
"""

import os
import shutil
import tarfile
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("brian2genn")

from spiketeach.core.devices import reset_device, select_device  # noqa: E402
from spiketeach.protocols.device_check import compare, rule_holds, run_case  # noqa: E402

pytestmark = pytest.mark.genn

VENDORED = Path(__file__).resolve().parents[3] / "shared" / "vendor" / "genn-4.9.0.tar.gz"
INSTALL = ("GeNN not found: set GENN_PATH to a GeNN 4 checkout (git clone -b 4.9.0 "
           "https://github.com/genn-team/genn) or put genn-4.9.0.tar.gz in ../shared/vendor")


@pytest.fixture(scope="module")
def genn_path(tmp_path_factory):
    if os.environ.get("GENN_PATH"):
        path = Path(os.environ["GENN_PATH"])
        if not (path / "bin" / "genn-buildmodel.sh").exists():
            pytest.fail(f"GENN_PATH={path} holds no bin/genn-buildmodel.sh")
        return path
    if not VENDORED.exists():
        pytest.skip(INSTALL)
    root = tmp_path_factory.mktemp("genn")
    with tarfile.open(VENDORED) as tar:
        tar.extractall(root)
    return root / "genn-4.9.0"


@pytest.fixture(scope="module")
def genn_build(tmp_path_factory):
    """The one GeNN build directory of this module."""
    if shutil.which("g++") is None and shutil.which("c++") is None:
        pytest.skip("no C++ compiler")
    return tmp_path_factory.mktemp("genn-build")


def _run(device, key, formulation, build_dir, **options):
    select_device(device, build_dir=build_dir, **options)
    try:
        return run_case(key, formulation, blocks=1)
    finally:
        reset_device()


@pytest.mark.parametrize("key", ["samadi2017", "hunsberger2017"])
def test_genn_cpu_backend_runs_and_equals_cpp_standalone(key, genn_path, genn_build, tmp_path):
    """The GeNN formulation compiled and run by GeNN, a block with learning: the same spikes in
    every group as the reference formulation compiled by Brian2 (cpp_standalone), weights
    equal to rounding."""
    genn = _run("genn", key, "genn", genn_build, genn_backend="cpu", genn_path=genn_path)
    assert genn.device == "genn" and (genn_build / "main").exists()
    ref = _run("cpp_standalone", key, "reference", tmp_path / "cpp")
    diff = compare(ref, genn)
    print(key, diff)
    assert diff["same_spikes"], diff["first_difference"]
    assert diff["spikes_compared"] > 500 and len(diff["groups"]) >= 4
    assert diff["weights_rel"] < 1e-12
    assert diff["weight_change"] > 1e-3  # it learned


def test_genn_cpu_backend_runs_emstdp_by_its_rule(genn_path, genn_build):
    """EMSTDP draws its input spikes at random (GeNN's generator, not Brian2's): the run obeys
    eq. 12 exactly on the learning presentation's counts, from the state it was given."""
    run = _run("genn", "shrestha2019", "genn", genn_build, genn_backend="cpu",
               genn_path=genn_path)
    check = rule_holds(run)
    print(check)
    assert check["holds"], check
    assert check["spikes"] > 200
    assert np.isfinite(run.weights[-1][-1]).all()
