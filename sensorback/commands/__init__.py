"""Subcommands of the ``sensorback`` command line that live outside :mod:`sensorback.cli`.

Each module has ``register(subparsers)``; modules import nothing heavy at import time, so that
``sensorback --help`` stays fast.
"""
