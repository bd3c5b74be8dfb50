"""PySAL `access` as the oracle for our 2SFCA (tests/test_reach.py) and its baseline (scripts/bench_reach.py):
both hand `access.Access` the same pairs, demand and supply, built here."""

from __future__ import annotations

import numpy as np
import pandas as pd


def access_inputs(pairs, demand: np.ndarray, supply: np.ndarray) -> dict:
    """Keyword arguments of access.Access over our pairs (cost = estimated metres), demand `pop` and
    supply `cap` by index. Built apart from Access itself, so a benchmark can time Access alone."""
    return {
        "demand_df": pd.DataFrame({"geoid": np.arange(len(demand)), "pop": demand}).set_index("geoid"),
        "demand_value": "pop",
        "supply_df": pd.DataFrame({"geoid": np.arange(len(supply)), "cap": supply}).set_index("geoid"),
        "supply_value": "cap",
        "cost_df": pd.DataFrame({"origin": pairs.demand, "dest": pairs.supply, "cost": pairs.distance_m}),
        "cost_origin": "origin",
        "cost_dest": "dest",
        "cost_name": "cost",
    }
