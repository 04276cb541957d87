"""Protocols of Huh & Sejnowski (2018): the two tasks and training by the exact gradient.

Huh D, Sejnowski TJ (2018). Gradient descent for spiking neural networks. NeurIPS 31.
:mod:`.tasks` (spike-based efficient encoding, delayed-memory XOR), :mod:`.training` (Adam in
blocks through the shared loop, with checkpoints and exact resume), :mod:`.batch` (a batch of
independent networks trained at once, one forward pass per iteration for all of them).
"""

from .batch import train_batch
from .tasks import Batch, EncodingTask, XorTask
from .training import TrainConfig, TrainState, evaluate, train

__all__ = ["Batch", "EncodingTask", "XorTask", "TrainConfig", "TrainState", "train", "evaluate",
           "train_batch"]
