"""Which trajectories are training material: the final attempt passes public and private tests."""

from __future__ import annotations

from typing import Any

SINGLE_TURN = "single_turn"
MULTI_TURN = "multi_turn"
TURN_CLASSES = (SINGLE_TURN, MULTI_TURN)


def trajectory_key(trajectory: dict[str, Any]) -> str:
    """A readable unique key of one trajectory within a cell."""
    return f"{trajectory['problem_id']}#{trajectory['sample']}"


def rejection_reason(trajectory: dict[str, Any]) -> str | None:
    """None when the trajectory is kept, else why not (the reason names in stats.json / removed.jsonl)."""
    if "final" not in trajectory:
        raise ValueError(
            f"trajectory {trajectory_key(trajectory)} has no 'final' field: rft-data reads the execute stage's "
            "output (docs/contracts.md §3), not the generate stage's"
        )
    if trajectory.get("finish") == "error":
        return "generation_error"
    final = trajectory["final"]
    if not final.get("private_pass"):
        return "fails_private_tests"
    if not final.get("public_pass"):
        return "fails_public_tests"
    if not trajectory.get("attempts") or not trajectory["attempts"][-1].get("code"):
        return "no_final_code"
    return None


def turn_class(trajectory: dict[str, Any]) -> str:
    return SINGLE_TURN if len(trajectory["attempts"]) == 1 else MULTI_TURN


def final_code(trajectory: dict[str, Any]) -> str:
    return trajectory["attempts"][-1]["code"]
