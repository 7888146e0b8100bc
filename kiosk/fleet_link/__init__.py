"""The terminal's link to the fleet's central service.

Only `fleet.protocol` (data shapes) is shared with the centre; nothing here imports the rest
of `fleet`, and nothing in `fleet` imports this. With no [fleet] section in the config, none
of this runs and the terminal works on its own as before.
"""
