"""A warning before a run when a candidate's API key variable is unset (QA9 finding 8): not
an error, since cached answers need no key, but said before any call instead of after every
case failed."""

from __future__ import annotations

import pytest

from evalkit.cli._keys import missing_key_warnings
from evalkit.config import Candidate


def test_an_unset_key_is_named_before_the_run(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("MY_CLAUDE_KEY", raising=False)
    monkeypatch.setenv("SET_KEY", "x")
    cands = [
        Candidate(name="gpt", provider="openai", model="gpt-4o-mini"),
        Candidate(name="claude", provider="anthropic", model="m", api_key_env="MY_CLAUDE_KEY"),
        Candidate(name="ok", provider="openai", model="m", api_key_env="SET_KEY"),
        # a local OpenAI-compatible server without api_key_env needs no key
        Candidate(name="local", provider="openai", model="m", base_url="http://127.0.0.1:8000/v1"),
        Candidate(name="mine", provider="callable", model="m", options={"target": "p.py:f"}),
    ]
    lines = missing_key_warnings(cands, "use")
    assert len(lines) == 2
    assert lines[0].startswith("warning: candidate 'gpt': the API key variable OPENAI_API_KEY")
    assert "candidate 'claude'" in lines[1] and "MY_CLAUDE_KEY is not set" in lines[1]
    assert "--cache-mode require" in lines[0]
    assert missing_key_warnings(cands, "require") == []  # replay calls nothing
