"""Protocols of the neftci2017 family (eRBP): training in blocks (:mod:`.training`)."""
