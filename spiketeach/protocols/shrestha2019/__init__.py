"""Protocols of Shrestha et al. (EMSTDP): MNIST training in blocks and the STDP experiments of §4.1.
"""
