"""What every family shares: devices, the block runner, presentation schedules, checkpoints,
connectivity helpers, formulation choice and the Brian2GeNN rules.
"""
