"""Protocols of the bourdoukan2015 family: inputs, learning in Brian2, evaluation of frozen
weights with the error feedback off (:mod:`.learning`)."""

from .learning import evaluate, fano_cv, learn, scaled_distance, smoothed_noise

__all__ = ["smoothed_noise", "learn", "evaluate", "fano_cv", "scaled_distance"]
