"""One module per command: ``add_arguments(parser)`` and ``run(args) -> int``.

Heavy dependencies (kubernetes, git) are imported inside ``run`` of the commands that need
them, never at module level.
"""
