"""How an eval set's bytes become lines: encodings, line ends, compression, and JSON that
decodes but would lose or corrupt data. Each bad line is named with what to do."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from evalkit.dataset import iter_cases, load_eval_set
from evalkit.errors import DatasetError

GOOD = b'{"id": "a", "input": "x"}'


def problems(path: Path) -> list[str]:
    with pytest.raises(DatasetError) as info:
        load_eval_set(path)
    return [str(p).removeprefix(f"{path}:").lstrip() for p in info.value.problems]


def write(tmp_path: Path, data: bytes, name: str = "set.jsonl") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_bom_crlf_blank_lines_and_no_final_newline_are_accepted(tmp_path: Path) -> None:
    data = b"\xef\xbb\xbf" + GOOD + b"\r\n \t\r\n\r\n" + b'{"id": "b", "input": "y"}'
    es = load_eval_set(write(tmp_path, data))
    assert [(c.id, c.line) for c in es] == [("a", 1), ("b", 4)]
    plain = load_eval_set(write(tmp_path, GOOD + b'\n{"id": "b", "input": "y"}\n', "p.jsonl"))
    assert es.version == plain.version  # encoding artefacts are not content


def test_invalid_utf8_names_the_line_and_keeps_reporting(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD + b'\n{"id": "b", "input": "caf\xe9"}\n{"id": 3}\n')
    assert problems(path) == [
        "2: not valid UTF-8 (byte 0xe9 at byte 26 of the line); save the file as UTF-8",
        '3: field "id" must be a non-empty string, got 3',
        '3: field "input" is required unless the case gives vars for the prompt template',
    ]


def test_utf16_file_is_named_as_such(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD.decode().encode("utf-16"))
    assert problems(path) == ["the file is encoded as UTF-16; save it as UTF-8"]


def test_nan_and_infinity_are_refused_not_crashing(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        b'{"id": "a", "input": "x", "metadata": {"score": NaN}}\n'
        b'{"id": "b", "input": "x", "vars": {"n": -Infinity}}\n',
    )
    assert problems(path) == [
        "1: NaN is not valid JSON; write null, a number or a string instead",
        "2: -Infinity is not valid JSON; write null, a number or a string instead",
    ]


def test_duplicate_keys_are_refused_at_any_depth(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        b'{"id": "a", "input": "x", "id": "b"}\n'
        b'{"id": "c", "input": "x", "vars": {"city": "Paris", "city": "Rome"}}\n',
    )
    assert problems(path) == [
        '1: key "id" appears twice in one object (JSON would keep only the last); keep one of them',
        '2: key "city" appears twice in one object (JSON would keep only the last); '
        "keep one of them",
    ]


def test_unpaired_surrogate_is_refused_but_escaped_emoji_loads(tmp_path: Path) -> None:
    path = write(
        tmp_path, b'{"id": "a", "input": "\\ud83d\\ude00"}\n{"id": "b", "input": "\\ud800"}\n'
    )
    assert problems(path) == [
        "2: contains an unpaired surrogate escape (\\ud800), which is not text; fix or remove it"
    ]
    ok = write(tmp_path, b'{"id": "a", "input": "\\ud83d\\ude00"}\n', "ok.jsonl")
    assert load_eval_set(ok).cases[0].input == "\U0001f600"


def test_pathological_json_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    deep = b'{"id": "a", "input": "x", "metadata": {"m": ' + b"[" * 100_000 + b"]" * 100_000 + b"}}"
    huge = b'{"id": "b", "input": "x", "metadata": {"n": ' + b"9" * 5000 + b"}}"
    path = write(tmp_path, deep + b"\n" + huge + b"\n")
    assert problems(path) == [
        "1: nested too deeply to read; flatten the data",
        "2: a number has more than 4,300 digits; write it as a string",
    ]


def test_very_long_line_loads(tmp_path: Path) -> None:
    text = "x" * 3_000_000
    path = write(tmp_path, b'{"id": "a", "input": "' + text.encode() + b'"}\n')
    assert load_eval_set(path).cases[0].input == text


def test_gzip_files_load_with_the_same_version(tmp_path: Path) -> None:
    data = GOOD + b'\n{"id": "b", "input": "y"}\n'
    plain = load_eval_set(write(tmp_path, data))
    packed = load_eval_set(write(tmp_path, gzip.compress(data), "set.jsonl.gz"))
    assert [c.id for c in packed] == ["a", "b"] and packed.version == plain.version
    assert packed.name == "set"


def test_truncated_gzip_names_where_reading_stopped(tmp_path: Path) -> None:
    data = gzip.compress(
        GOOD + b"\n" + b"".join(b'{"id": "c%d", "input": "y"}\n' % i for i in range(500))
    )
    path = write(tmp_path, data[: len(data) // 2], "cut.jsonl.gz")
    with pytest.raises(DatasetError, match=r"cut\.jsonl\.gz:\d+: cannot read the file further"):
        load_eval_set(path)


def test_folder_and_empty_file_are_errors(tmp_path: Path) -> None:
    assert problems(tmp_path) == ["is a folder, not an eval set; give the .jsonl file(s) in it"]
    empty = write(tmp_path, b"")
    with pytest.raises(DatasetError, match="the eval set has no cases"):
        load_eval_set(empty)
    with pytest.raises(DatasetError, match="the eval set has no cases"):
        list(iter_cases(empty))  # streaming does not pass silently either


def test_iter_cases_reads_like_load(tmp_path: Path) -> None:
    path = write(tmp_path, b"\xef\xbb\xbf" + GOOD + b"\r\n" + b'{"id": "b", "input": "\xff"}\n')
    it = iter_cases(path)
    assert next(it).id == "a"
    with pytest.raises(DatasetError, match=r"set\.jsonl:2: not valid UTF-8"):
        next(it)


def test_a_line_cut_off_inside_a_string_says_so(tmp_path: Path) -> None:
    # QA12 F11: read "Invalid control character at at column 28"; the cut can end the file too
    tail = "each line must be one whole JSON object, with line breaks in strings written \\n"
    for end in (b"\n", b"\r\n", b""):
        path = write(tmp_path, GOOD + b'\n{"id": "b", "input": "trunc' + end)
        assert problems(path) == [
            "2: invalid JSON: the line ends inside a string (opened at column 22): was the "
            f"line cut off?; {tail}"
        ], end


def test_a_line_cut_off_outside_a_string_says_so(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD + b'\n{"id": "b", "input": "x", "tags": ["a"\n')
    assert problems(path) == [
        "2: invalid JSON: the line ends before the JSON does (Expecting ',' delimiter at "
        "column 39): was the line cut off?; each line must be one whole JSON object, with line "
        "breaks in strings written \\n"
    ]


def test_a_raw_tab_inside_a_string_is_named_without_a_doubled_at(tmp_path: Path) -> None:
    path = write(tmp_path, b'{"id": "a", "input": "x\ty"}\n{"id": "b" "input": "x"}\n')
    assert problems(path) == [
        "1: invalid JSON (a raw control character U+0009 inside a string at column 24); "
        "write it escaped (\\t for a tab, \\n for a line break)",
        "2: invalid JSON (Expecting ',' delimiter at column 12); each line must be one JSON object",
    ]
