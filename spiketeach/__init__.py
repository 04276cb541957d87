"""spiketeach: biologically plausible learning in deep spiking networks, written as Brian2 equations.

The equations are the interface: every model lives in :mod:`spiketeach.models` as unit-annotated
equation strings next to the paper's equation numbers.
"""

__version__ = "0.1.0"
