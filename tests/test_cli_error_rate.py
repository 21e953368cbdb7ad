"""The exit-3 message of ``evalkit.cli._error_rate`` and the run summary's error lines: errors
grouped by kind *and* message shape, the distinct messages with their counts, and a next step
that fits the candidate's provider."""

from __future__ import annotations

from pathlib import Path

from evalkit.cli._error_rate import error_groups, too_many_errors
from evalkit.cli._run_summary import error_lines
from evalkit.records import ErrorInfo, Record, Run

UNKNOWN_KEY = (
    "callable pipe.py:answer: case {id!r} repeat 0: the returned dict has unknown key(s) "
    "['retrieved']; valid keys: ['output', 'text'] (put extra data under 'metadata')"
)
RAISED = (
    "callable pipe.py:answer: case 'g2' repeat 0: the function raised RuntimeError: vector "
    "store timeout for tenant acme; fix the function (the traceback is chained to this error)"
)


def _rec(case_id: str, kind: str, message: str, repeat: int = 0) -> Record:
    return Record(
        case_id=case_id,
        repeat=repeat,
        candidate="a",
        fingerprint="f",
        request={},
        error=ErrorInfo(kind=kind, message=message),
    )


def _run(records: list[Record], provider: str = "callable") -> Run:
    errors = sum(r.error is not None for r in records)
    manifest = {
        "candidate": {"name": "a", "provider": provider},
        "counts": {"records": len(records), "errors": errors},
    }
    return Run(path=Path("runs/a"), manifest=manifest, records=tuple(records))


def _pipeline_records() -> list[Record]:
    """QA12 F10: the one odd error comes first, 13 records share the one-line fix."""
    ids = ["g1", "g3", "g4", "g5", "g6", "r1", "r2", "r3", "r4", "l1", "l2", "l3", "l4"]
    return [_rec("g2", "provider", RAISED)] + [
        _rec(i, "provider", UNKNOWN_KEY.format(id=i)) for i in ids
    ]


def test_the_commonest_message_leads_not_the_first_records() -> None:
    [msg] = too_many_errors([_run(_pipeline_records())], None, "evalkit check")
    lines = msg.splitlines()
    assert lines[0] == (
        "evalkit check: candidate 'a': every call failed (14 of 14 records): nothing was evaluated"
    )
    # the second line is what check's verdict line quotes: it must carry the 13
    assert lines[1].startswith("  commonest error: provider (13 of 14), first g1 #0: ")
    assert "unknown key(s) ['retrieved']" in lines[1]
    assert lines[2].startswith("  also: provider (1 of 14), g2 #0: ")
    assert "vector store timeout" in lines[2]


def test_a_callable_gets_no_api_key_advice() -> None:
    [msg] = too_many_errors([_run(_pipeline_records())], None, "evalkit run")
    what = msg.splitlines()[-1]
    assert what.startswith("  what to do: fix the function")
    assert "api_key_env" not in msg and "base_url" not in msg
    assert "evalkit run --resume runs/a --retry-errors" in what


def test_a_replay_candidate_is_told_about_its_recordings_not_keys() -> None:
    records = [
        _rec(f"c{i}", "replay_missing", f"replay: no recorded output for case 'c{i}' repeat 0")
        for i in range(3)
    ]
    [msg] = too_many_errors([_run(records, "replay")], None, "evalkit run")
    assert "commonest error: replay_missing (3 of 3), first c0 #0" in msg
    assert "also:" not in msg  # one message shape
    assert "api_key_env" not in msg and "recording" in msg.splitlines()[-1]


def test_an_http_provider_gets_the_step_of_each_kind_shown() -> None:
    records = [_rec(f"c{i}", "auth", "HTTP 401: invalid api key") for i in range(3)]
    records.append(_rec("c9", "connection", "connection to http://127.0.0.1:9/v1 failed"))
    [msg] = too_many_errors([_run(records, "openai")], None, "evalkit run")
    assert "commonest error: auth (3 of 4), first c0 #0: HTTP 401: invalid api key" in msg
    assert "also: connection (1 of 4), c9 #0" in msg
    what = msg.splitlines()[-1]
    assert "api_key_env" in what and "base_url" in what
    assert what.index("api_key_env") < what.index("base_url")  # the commonest kind first


def test_messages_differing_only_in_case_ids_and_numbers_group() -> None:
    records = [
        _rec("refund-a", "rate_limit", "HTTP 429 for 'refund-a' (retry after 600s), req_8f3a91"),
        _rec("ship-b", "rate_limit", "HTTP 429 for 'ship-b' (retry after 30s), req_77c2d0"),
        _rec("ship-b", "rate_limit", "HTTP 429 for ship-b (retry after 30s), req_1", repeat=1),
        _rec("c1", "rate_limit", "quota exhausted for this month"),
    ]
    groups = error_groups(records)
    assert [(g.kind, g.count, g.first.case_id) for g in groups] == [
        ("rate_limit", 3, "refund-a"),
        ("rate_limit", 1, "c1"),
    ]


def test_more_shapes_than_shown_are_counted() -> None:
    records = [_rec(f"c{i}", "provider", f"{w} went wrong") for i, w in enumerate("abcdef")]
    records.append(_rec("c9", "provider", "a went wrong"))
    [msg] = too_many_errors([_run(records)], None, "evalkit run")
    assert "commonest error: provider (2 of 7), first c0 #0: a went wrong" in msg
    assert msg.count("also:") == 2
    assert "  and 3 more record(s) with 3 other message(s)" in msg


def test_run_summary_lists_each_message_shape_of_a_kind() -> None:
    lines = error_lines(_pipeline_records())  # within a kind, the commonest message first
    assert lines[0].startswith("  provider (13 records, first g1 #0): ")
    assert "unknown key(s)" in lines[0]
    assert lines[1].startswith("  provider (1 record, first g2 #0): ")
    assert "vector store timeout" in lines[1]
    assert len(lines) == 2


def test_run_summary_caps_the_shapes_of_one_kind() -> None:
    records = [_rec(f"c{i}", "server", f"{w} broke") for i, w in enumerate("abcdef")]
    lines = error_lines(records)
    assert len(lines) == 4
    assert lines[-1] == "  server: 3 more record(s) with 3 other message(s)"


def test_a_quoted_message_does_not_repeat_the_case_its_line_names() -> None:
    """QA13 F11: 'first g2 #0: callable pipe.py:answer: case 'g2' repeat 0: ...'."""
    (group,) = error_groups([_rec("g2", "provider", RAISED)])
    assert group.message.startswith("callable pipe.py:answer: the function raised RuntimeError")
    lines = "\n".join(error_lines([_rec("g2", "provider", RAISED)]))
    assert "first g2 #0): callable pipe.py:answer: the function raised" in lines
    assert "case 'g2' repeat 0" not in lines
