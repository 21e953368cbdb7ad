"""Reading an eval-set file: bytes on disk to one decoded JSON value per line
(:func:`read_lines`), which :mod:`evalkit.dataset_parse` turns into cases.

Decoding is strict where lenient JSON would lose or corrupt data without a word: a key twice
in one object (JSON keeps the last), ``NaN``/``Infinity`` (not JSON, and not hashable into a
version), unpaired surrogate escapes (not encodable as UTF-8). Harmless encoding artefacts
are accepted: a UTF-8 byte-order mark, CRLF line ends, gzip compression.
"""

from __future__ import annotations

import codecs
import gzip
import json
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from evalkit.dataset import _BadJSON
from evalkit.errors import DatasetError, Problem

__all__ = ["read_lines"]

_GZIP_MAGIC = b"\x1f\x8b"
_OTHER_ENCODINGS = (  # longest first: the UTF-32 LE mark starts with the UTF-16 LE one
    (codecs.BOM_UTF32_LE, "UTF-32"),
    (codecs.BOM_UTF32_BE, "UTF-32"),
    (codecs.BOM_UTF16_LE, "UTF-16"),
    (codecs.BOM_UTF16_BE, "UTF-16"),
)


class _Rejected(ValueError):
    """Raised from inside the JSON decoder for valid-looking input evalkit refuses."""


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # json keeps the last of two equal keys; a curator who wrote both meant something by each.
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        dup = next(k for k, _ in pairs if k in seen or seen.add(k))  # type: ignore[func-returns-value]
        raise _Rejected(
            f'key "{dup}" appears twice in one object (JSON would keep only the last); '
            "keep one of them"
        )
    return obj


def _no_constant(name: str) -> Any:
    raise _Rejected(f"{name} is not valid JSON; write null, a number or a string instead")


_DECODER = json.JSONDecoder(object_pairs_hook=_unique_keys, parse_constant=_no_constant)


def read_lines(path: Path) -> Iterator[tuple[int, Any]]:
    """Yield ``(line number, decoded object)`` for every non-blank line of ``path``.

    A line that cannot be decoded yields a :class:`~evalkit.dataset._BadJSON` with the reason,
    so the caller reports it with the other problems; a file that cannot be read at all
    raises :class:`~evalkit.errors.DatasetError` naming the file.
    """
    where = str(path)
    fh = _open(path)
    lineno = 0
    try:
        with fh:
            first = True
            for lineno, raw in enumerate(fh, start=1):
                if raw.isspace():
                    continue
                if lineno == 1 and raw.startswith(codecs.BOM_UTF8):
                    raw = raw[len(codecs.BOM_UTF8) :]
                if first:
                    _not_a_json_document(raw, where, lineno)
                    first = False
                yield lineno, _decode(raw)
    except (OSError, EOFError, zlib.error) as exc:  # a truncated or corrupt gzip stream
        raise DatasetError(
            [
                Problem(
                    f"{where}:{lineno + 1}",
                    f"cannot read the file further ({exc}); re-create or re-download it",
                )
            ]
        ) from exc


def _not_a_json_document(raw: bytes, where: str, lineno: int) -> None:
    """Refuse, with one problem, a file that is one JSON document (an array, or an object
    spread over lines) rather than JSON Lines: read line by line, a 500-item pretty-printed
    array gave some 2,000 problems and no word of what was wrong."""
    head = raw.strip()
    if head.startswith(b"[") or head == b"{":
        what = "a JSON array" if head.startswith(b"[") else "one JSON object over several lines"
        convert = "jq -c '.[]'" if head.startswith(b"[") else "jq -c '.'"
        raise DatasetError(
            [
                Problem(
                    f"{where}:{lineno}",
                    f"the file is {what}, not JSON Lines (one JSON object per line); convert "
                    f"it, e.g. {convert} {where} > cases.jsonl",
                )
            ]
        )


def _open(path: Path) -> IO[bytes] | gzip.GzipFile:
    where = str(path)
    if path.is_dir():
        raise DatasetError(
            [Problem(where, "is a folder, not an eval set; give the .jsonl file(s) in it")]
        )
    try:
        fh: IO[bytes] = path.open("rb")
        head = fh.read(4)
        fh.seek(0)
    except FileNotFoundError:
        raise DatasetError([Problem(where, "file not found; check the path")]) from None
    except OSError as exc:
        raise DatasetError([Problem(where, f"cannot read the file ({exc.strerror})")]) from None
    if head.startswith(_GZIP_MAGIC):
        fh.close()
        return gzip.open(path, "rb")
    for bom, name in _OTHER_ENCODINGS:
        if head.startswith(bom):
            fh.close()
            raise DatasetError([Problem(where, f"the file is encoded as {name}; save it as UTF-8")])
    return fh


def _decode(raw: bytes) -> Any:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return _BadJSON(
            f"not valid UTF-8 (byte 0x{raw[exc.start]:02x} at byte {exc.start + 1} of the "
            "line); save the file as UTF-8"
        )
    text = text.rstrip("\r\n")  # columns then count on the line, not on a next one
    try:
        obj = _DECODER.decode(text)
    except json.JSONDecodeError as exc:
        return _BadJSON(_invalid_json(exc, text))
    except _Rejected as exc:
        return _BadJSON(str(exc))
    except RecursionError:
        return _BadJSON("nested too deeply to read; flatten the data")
    except ValueError as exc:
        if "digits" in str(exc):  # Python refuses to convert integers of over 4,300 digits
            return _BadJSON("a number has more than 4,300 digits; write it as a string")
        return _BadJSON(f"invalid JSON ({exc}); each line must be one JSON object")
    # Escaped surrogates ("\ud83d\ude00") are how json.dumps writes emoji by default; only an
    # unpaired one is an error, so the exact check runs only on lines that have any.
    if b"\\ud" in raw or b"\\uD" in raw:
        try:
            json.dumps(obj, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError as exc:
            return _BadJSON(
                f"contains an unpaired surrogate escape (\\u{ord(exc.object[exc.start]):04x}), "
                "which is not text; fix or remove it"
            )
    return obj


def _invalid_json(exc: json.JSONDecodeError, text: str) -> str:
    """What is wrong with a line that is not JSON, with the column.

    The commonest cause is a line cut off (an export truncated, an editor wrapping a long
    line), which Python words as "Unterminated string starting at" or "Expecting ','
    delimiter": said plainly. Python's messages end in "at" before the position, so the
    position is appended as "at column N", never "at at"."""
    what = exc.msg.removesuffix(" at")
    whole = "each line must be one whole JSON object, with line breaks in strings written \\n"
    if what == "Unterminated string starting":
        return (
            f"invalid JSON: the line ends inside a string (opened at column {exc.colno}): "
            f"was the line cut off?; {whole}"
        )
    if exc.pos >= len(text.rstrip()):
        return (
            f"invalid JSON: the line ends before the JSON does ({what} at column "
            f"{exc.colno}): was the line cut off?; {whole}"
        )
    if what == "Invalid control character":
        return (
            f"invalid JSON (a raw control character U+{ord(text[exc.pos]):04X} inside a string "
            f"at column {exc.colno}); write it escaped (\\t for a tab, \\n for a line break)"
        )
    return f"invalid JSON ({what} at column {exc.colno}); each line must be one JSON object"
