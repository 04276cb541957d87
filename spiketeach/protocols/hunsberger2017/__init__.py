"""Protocols of Hunsberger & Eliasmith (2017): the poster's linear-map task.
"""
