"""Device fixtures, in the spirit of Brian2's own test suite: a test asks for the device it runs
on and gets it freshly reset; standalone builds go to a per-test temporary directory."""

import importlib.util
import shutil
from pathlib import Path

import pytest

from spiketeach.devices import reset_device, select_device


def pytest_addoption(parser):
    parser.addoption("--runslow", action="store_true", help="also run tests marked slow")


def pytest_collection_modifyitems(config, items):
    if config.getoption("--runslow"):
        return
    skip = pytest.mark.skip(reason="slow: run with --runslow (make test-all)")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def runtime():
    """Brian2 runtime mode, numpy target."""
    cfg = select_device("runtime", target="numpy")
    yield cfg
    reset_device()


@pytest.fixture
def cpp_standalone(tmp_path):
    """cpp_standalone in a fresh build directory; needs a C++ compiler."""
    if shutil.which("g++") is None and shutil.which("c++") is None:
        pytest.skip("no C++ compiler")
    cfg = select_device("cpp_standalone", build_dir=tmp_path / "build")
    yield cfg
    reset_device()


FIGURES = Path(__file__).resolve().parents[1] / "figures"


@pytest.fixture
def figure_script():
    """``figure_script(name)``: the module of figures/<name>.py (the scripts are not a package)."""
    def load(name):
        spec = importlib.util.spec_from_file_location(name, FIGURES / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    return load
