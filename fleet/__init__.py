"""The central service of a fleet of terminals.

This file imports nothing on purpose: a terminal imports `fleet.protocol` (data shapes only)
without pulling in the server, its database or its web framework.
"""
