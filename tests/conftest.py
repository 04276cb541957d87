"""Device fixtures, in the spirit of Brian2's own test suite and Nengo's ``Simulator`` fixture.

* ``runtime`` / ``cpp_standalone``: a test that needs one device gets it freshly selected;
  standalone builds go to a per-test temporary directory.
* ``device``: a test marked ``standalone_compatible`` that asks for ``device`` runs once per
  device given with ``--devices`` (default: runtime and cpp_standalone, plus cuda_standalone
  where Brian2CUDA is installed); unmarked tests get runtime only. A test marked
  ``family("<key>")`` is skipped on a device that family declares it does not support
  (``UNSUPPORTED_DEVICES`` in ``spiketeach.models.<key>``).
"""

import importlib
import importlib.util
import shutil
from pathlib import Path

import pytest

from spiketeach.core.devices import reset_device, select_device


def _default_devices() -> str:
    devices = ["runtime", "cpp_standalone"]
    if importlib.util.find_spec("brian2cuda") is not None:
        devices.append("cuda_standalone")
    return ",".join(devices)


def pytest_addoption(parser):
    parser.addoption("--runslow", action="store_true", help="also run tests marked slow")
    parser.addoption("--devices", default=_default_devices(),
                     help="devices the standalone-compatible tests run on (comma-separated; "
                          "default: %(default)s)")


def pytest_generate_tests(metafunc):
    if "device" not in metafunc.fixturenames:
        return
    if metafunc.definition.get_closest_marker("standalone_compatible"):
        names = [d.strip() for d in metafunc.config.getoption("--devices").split(",") if d.strip()]
    else:
        names = ["runtime"]
    metafunc.parametrize("device", names, indirect=True)


def pytest_collection_modifyitems(config, items):
    if config.getoption("--runslow"):
        return
    skip = pytest.mark.skip(reason="slow: run with --runslow (make test-all)")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


def _need_compiler():
    if shutil.which("g++") is None and shutil.which("c++") is None:
        pytest.skip("no C++ compiler")


@pytest.fixture
def runtime():
    """Brian2 runtime mode, numpy target."""
    cfg = select_device("runtime", target="numpy")
    yield cfg
    reset_device()


@pytest.fixture
def cpp_standalone(tmp_path):
    """cpp_standalone in a fresh build directory; needs a C++ compiler."""
    _need_compiler()
    cfg = select_device("cpp_standalone", build_dir=tmp_path / "build")
    yield cfg
    reset_device()


@pytest.fixture
def device(request, tmp_path):
    """The device this run of the test uses (see the module docstring), freshly selected."""
    name = request.param
    marker = request.node.get_closest_marker("family")
    if marker is not None:
        family = importlib.import_module(f"spiketeach.models.{marker.args[0]}")
        reason = getattr(family, "UNSUPPORTED_DEVICES", {}).get(name)
        if reason:
            pytest.skip(f"{marker.args[0]} on {name}: {reason}")
    if name == "runtime":
        cfg = select_device("runtime", target="numpy")
    elif name == "cpp_standalone":
        _need_compiler()
        cfg = select_device("cpp_standalone", build_dir=tmp_path / "build")
    elif name == "cuda_standalone":
        if shutil.which("nvcc") is None:
            pytest.skip("no nvcc (CUDA toolkit)")
        cfg = select_device("cuda_standalone", build_dir=tmp_path / "cuda")
    else:
        pytest.skip(f"the device fixture does not run {name!r}")
    yield cfg
    reset_device()


FIGURES = Path(__file__).resolve().parents[1] / "figures"


@pytest.fixture
def figure_script():
    """``figure_script("<key>/<name>")``: the module of figures/<key>/<name>.py (the scripts are
    not a package)."""
    def load(name):
        spec = importlib.util.spec_from_file_location(name.replace("/", "_"), FIGURES / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    return load
