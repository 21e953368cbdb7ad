"""evalkit.suites after its split into suites_types (the data) and suites_checks (the checks at
config load): every name imported from evalkit.suites before is still importable from there,
as the same object."""

from __future__ import annotations

import evalkit.suites as suites
import evalkit.suites_checks as checks
import evalkit.suites_types as types


def test_public_names_stay_importable_from_suites() -> None:
    for name in ("CACHE_MODES", "Gate", "ScorerSpec", "Suite"):
        assert getattr(suites, name) is getattr(types, name)
    for name in ("gate_metric_problem", "provider_problem"):
        assert getattr(suites, name) is getattr(checks, name)
    assert {"parse_suite", "unknown_keys"} <= set(suites.__all__)
    assert sorted(suites.__all__) == suites.__all__
    assert all(hasattr(suites, n) for n in suites.__all__)


def test_gate_to_dict_keeps_every_gate_key_in_order() -> None:
    gate = suites.Gate("contains.mean", max_drop=0.1, tag="t")
    assert tuple(gate.to_dict()) == types.GATE_KEYS
    assert gate.to_dict()["max_drop"] == 0.1 and gate.to_dict()["tag"] == "t"
