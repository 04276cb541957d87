"""What every family shares: devices, the block runner, presentation schedules, checkpoints,
connectivity helpers, formulation choice, the Brian2GeNN rules, the network handle protocol
(:mod:`spiketeach.core.handle`) and the one block-training loop (:mod:`spiketeach.core.training`).
"""
