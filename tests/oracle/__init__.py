"""An independent simulator of sacral-IMU core-exercise sessions, used as a cross-check oracle.

It shares no code with ``sensorback.simulate`` and deliberately models things its own way; see
``independent_sim`` for the conventions and modelling choices.
"""

from .independent_sim import OracleSession, generate

__all__ = ["OracleSession", "generate"]
