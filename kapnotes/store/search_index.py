"""The FTS5 index over notes (inside the encrypted database): what text a note contributes,
and the snippet a search shows.

The index is *contentless* (migration 0009): it keeps the words' positions, never a
copy of the text (on a vault of 20,000 notes that copy was 27 MB of the file). A
search's snippet is cut from the note's own text, rebuilt for the notes listed
(:func:`note_body`, :func:`snippet`); ``note_fts_row`` maps each note to its rowid.
"""

from __future__ import annotations

import bisect
import itertools
import re
import unicodedata
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from kapnotes.store.models import CANONICAL_ID, StoredId

#: The index's table, as migration 0009 creates it (and verify rebuilds it in memory).
FTS_DDL = (
    "CREATE VIRTUAL TABLE {name} USING fts5(body, content='', contentless_delete=1, "
    "tokenize='unicode61 remove_diacritics 2')"
)
_INSERT = text("INSERT INTO note_fts (body) VALUES (:body)")
_INSERT_AT = text("INSERT INTO note_fts (rowid, body) VALUES (:r, :body)")
#: A note's id bound as the vault stores ids (:class:`~kapnotes.store.models.StoredId`).
_NOTE_ID = bindparam("id", type_=StoredId())
_ROWID = text("SELECT fts_rowid FROM note_fts_row WHERE note_id = :id").bindparams(_NOTE_ID)
_MAP = text("INSERT INTO note_fts_row (note_id, fts_rowid) VALUES (:id, :r)").bindparams(_NOTE_ID)
_UNMAP = text("DELETE FROM note_fts_row WHERE note_id = :id").bindparams(_NOTE_ID)


def texts_of(value: Any) -> list[str]:
    """Every piece of text a note shows, inside a JSON value.

    Bookkeeping keys (``_event_id``, ``_narrative_layout``), ids (a linked note) and the superseded
    text of corrected entries (``original``) are left out, so a search never
    opens a note for words it no longer shows.
    """
    found: list[str] = []
    _collect(value, found)
    return found


def _collect(value: Any, found: list[str]) -> None:
    """:func:`texts_of` into one list (a save indexes every entry of the note, and a search
    cuts a snippet from each note it lists: no list per value on the way)."""
    if isinstance(value, str):
        if len(value) != 36 or not CANONICAL_ID.fullmatch(
            value
        ):  # links to other notes are not words
            found.append(value)
    elif isinstance(value, dict):
        for key, item in value.items():
            if str(key)[:1] == "_" or key == "original":
                continue
            if isinstance(item, str):  # most values: tested here, no call
                if len(item) != 36 or not CANONICAL_ID.fullmatch(item):
                    found.append(item)
            else:
                _collect(item, found)
    elif isinstance(value, list):
        for item in value:
            _collect(item, found)


def note_pieces(values: Mapping[str, Any], addenda: Iterable[str]) -> list[str]:
    """The texts a note contributes to the index, in order: what it shows, then its addenda."""
    return [*texts_of(values), *addenda]


def note_body(values: Mapping[str, Any], addenda: Iterable[str]) -> str:
    """The text a note contributes to the index: what it shows, then its addenda.

    A note's entries are its log rows (their events hold the same words), so the
    values are enough; they are never read back from every event on a save.
    """
    return "\n".join(note_pieces(dict(values), addenda))


def index_note(
    session: Session, note_id: str, values: Mapping[str, Any], addenda: Iterable[str] = ()
) -> None:
    """Replace a note's one row in the index, found by its rowid (never a scan).

    ``note_fts_row`` keeps each note's rowid in ``note_fts``; deleting by rowid
    touches one row however large the index has grown.
    """
    body = note_body(values, addenda)
    found = session.execute(_ROWID, {"id": note_id}).scalar()
    if found is not None:
        session.execute(text("DELETE FROM note_fts WHERE rowid = :r"), {"r": found})
        session.execute(_INSERT_AT, {"r": found, "body": body})
        return
    result = session.execute(_INSERT, {"body": body})
    rowid = getattr(result, "lastrowid", None)  # a CursorResult for an INSERT
    session.execute(_MAP, {"id": note_id, "r": rowid})


def drop_note(session: Session, note_id: str) -> None:
    """Take a note out of the index."""
    found = session.execute(_ROWID, {"id": note_id}).scalar()
    if found is not None:
        session.execute(text("DELETE FROM note_fts WHERE rowid = :r"), {"r": found})
        session.execute(_UNMAP, {"id": note_id})


#: A token as FTS5's ``unicode61`` tokenizer sees it: letters and digits (not ``_``).
_TOKEN = re.compile(r"[^\W_]+")
#: Tokens shown in a snippet (FTS5's ``snippet(…, 12)`` showed the same number).
SNIPPET_TOKENS = 12


def search_words(user_text: str) -> list[str]:
    """The words of what a user typed into note search, as the index splits text."""
    return _TOKEN.findall(user_text)


#: Latin letters, whose accents the index's ``remove_diacritics`` takes off (Latin-1
#: Supplement to Latin Extended-B, and Latin Extended Additional); other scripts keep
#: theirs there ("ё", "ή"), so they keep them here.
_LATIN = ((0x00C0, 0x024F), (0x1E00, 0x1EFF))


class _FoldTable(dict[int, str]):
    """``str.translate`` table folding a character as the index's ``unicode61
    remove_diacritics`` tokenizer does, one character for one, so a folded text keeps
    every character's position (built as characters are met): letters and digits to
    lower case, Latin letters without their accents; anything else (a separator, "ⓐ",
    a letter that lowers to two) as it is."""

    def __missing__(self, code: int) -> str:
        char = chr(code)
        kept = char
        if char.isalnum():
            lower = char.lower()
            kept = lower if len(lower) == 1 else char
            if any(a <= code <= b for a, b in _LATIN):
                base = unicodedata.normalize("NFD", kept)[:1]
                kept = base if base.isalpha() else kept
        self[code] = kept
        return kept


_FOLD = _FoldTable()


def _folded(text: str) -> str:
    """``text`` folded as the index folds it, every character where it was."""
    return text.lower() if text.isascii() else text.translate(_FOLD)  # ASCII: the same


def _hits(folded: str, words: Sequence[str]) -> list[tuple[int, int]]:
    """Where ``folded`` (a folded text) holds a word beginning with one of ``words``
    (folded too): (offset, which word), in order. ``str.find`` per word, not a pattern
    tried at every character: a long note costs what its matches cost."""
    found: list[tuple[int, int]] = []
    for which, word in enumerate(words):
        at = folded.find(word) if word else -1
        while at >= 0:
            if at == 0 or not folded[at - 1].isalnum():  # the start of a word
                found.append((at, which))
            at = folded.find(word, at + 1)
    found.sort()
    return found


#: Around each matched word of a snippet (control characters no note's text holds, so
#: a note's own brackets stay brackets).
MARK_OPEN, MARK_CLOSE = "\x02", "\x03"


def snippet(pieces: Sequence[str], words: Sequence[str], size: int = SNIPPET_TOKENS) -> str:
    """A few words of a note around what a search matched, each match between
    :data:`MARK_OPEN` and :data:`MARK_CLOSE`.

    ``pieces`` are the note's texts in index order (:func:`texts_of`, then its
    addenda); ``words`` what the user typed, each matched as the start of a word
    folded as the index's ``unicode61 remove_diacritics`` tokenizer folds it
    ("elodie" marks "Élodie"; "ł", "ß" and "ё" stay letters of their own, as
    there). The snippet comes from the piece holding the most of the words typed
    (then the most matches, then prose over a single stored word, then the first):
    the ``size`` tokens of it holding the most matches, a word or two before the
    first. ``…`` marks text left out at either end. With no match: the note's first
    ``size`` tokens. Linear in the note's length.
    """
    folded_words = [_folded(w) for w in words]
    chosen, starts = -1, frozenset[int]()
    if any(folded_words):
        # The whole text folded once (folding keeps every offset), its matches by piece.
        offsets = list(itertools.accumulate((len(p) + 1 for p in pieces[:-1]), initial=0))
        by_piece: dict[int, list[tuple[int, int]]] = {}
        for at, which in _hits(_folded("\n".join(pieces)), folded_words):
            by_piece.setdefault(bisect.bisect_right(offsets, at) - 1, []).append((at, which))
        best: tuple[int, int, bool] = (0, 0, False)
        for k, found in by_piece.items():
            # then prose before a single word (a choice's stored value, "nausea_minimal")
            score = (len({which for _at, which in found}), len(found), " " in pieces[k])
            if score > best:
                best, chosen = score, k
        if chosen >= 0:
            starts = frozenset(at - offsets[chosen] for at, _which in by_piece[chosen])
    if chosen < 0:  # nothing marked: the start of the note
        chosen = next((k for k, p in enumerate(pieces) if _TOKEN.search(p)), -1)
        if chosen < 0:
            return ""
    piece = pieces[chosen]
    tokens = _window(piece, sorted(starts), size)
    if not tokens:  # the matches were in no word of the piece: its start
        starts = frozenset()
        tokens = _window(piece, [], size)
        if not tokens:
            return ""
    first, last = tokens[0][0], tokens[-1][1]
    before = _TOKEN.search(piece, 0, first) is not None or any(
        _TOKEN.search(p) for p in pieces[:chosen]
    )
    after = _TOKEN.search(piece, last) is not None or any(
        _TOKEN.search(p) for p in pieces[chosen + 1 :]
    )
    parts: list[str] = ["…"] if before else [piece[:first]]
    for i, (a, b) in enumerate(tokens):
        parts.append(f"{MARK_OPEN}{piece[a:b]}{MARK_CLOSE}" if a in starts else piece[a:b])
        if i + 1 < len(tokens):
            parts.append(piece[b : tokens[i + 1][0]])
    parts.append("…" if after else piece[last:])
    return "".join(parts)


#: How far back a snippet looks for the word or two it shows before its first match,
#: and how much text ``size`` words are taken to hold when runs of matches are compared.
_LEAD_CHARS = 120
_CHARS_PER_WORD = 7


def _window(piece: str, hits: Sequence[int], size: int) -> list[tuple[int, int]]:
    """The (start, end) of the ``size`` tokens of ``piece`` to show: a word or two before
    the match that begins the densest run of matches (``hits``: where matched words
    start, ascending), else the first ``size``. Reads only the text around it, so a
    long field costs no more than a short one."""
    lead = min(2, size // 4)
    at = 0
    if hits:
        # The densest run within about ``size`` words of text: two bisections a match,
        # never a pass over every word of the field.
        span = size * _CHARS_PER_WORD
        most = -1
        for h in hits:
            held = bisect.bisect_left(hits, h + span) - bisect.bisect_left(hits, h)
            if held > most:
                most, at = held, h
        back = max(0, at - _LEAD_CHARS)
        earlier = [(m.start(), m.end()) for m in _TOKEN.finditer(piece, back, at)]
        if back > 0 and earlier and earlier[0][0] == back and _TOKEN.match(piece, back - 1):
            earlier = earlier[1:]  # a word cut by the look-back
        if earlier:
            at = earlier[-lead][0] if len(earlier) >= lead else earlier[0][0]
    tokens = [(m.start(), m.end()) for m in itertools.islice(_TOKEN.finditer(piece, at), size)]
    if len(tokens) < size and at > 0:  # near the end: filled from before
        back = max(0, at - size * _LEAD_CHARS)
        before = [(m.start(), m.end()) for m in _TOKEN.finditer(piece, back, at)]
        if back > 0 and before and before[0][0] == back and _TOKEN.match(piece, back - 1):
            before = before[1:]
        tokens = before[max(0, len(before) - (size - len(tokens))) :] + tokens
    return tokens


@dataclass(frozen=True)
class IndexDifferences:
    """How the vault's search index differs from the notes' text (rowids of ``note_fts``).

    ``broken`` is FTS5's own integrity-check message for an index damaged inside
    (None: sound); ``missing`` rows a note should have, ``stray`` rows no note
    has, ``differing`` rows whose words are not the note's.
    """

    broken: str | None
    missing: frozenset[int]
    stray: frozenset[int]
    differing: frozenset[int]


_SHADOWS = ("data", "idx", "docsize", "config")


def definition_problem(session: Session) -> str | None:
    """What is wrong with how the vault defines its index (another tokenizer, a copy of
    the text kept, not contentless), None when it is :data:`FTS_DDL`."""
    stored = session.execute(
        text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'note_fts'")
    ).scalar()
    if stored is None:
        return "the search index is missing (searches find nothing)"
    if _normal(str(stored)) != _normal(FTS_DDL.format(name="note_fts")):
        return (
            "the search index is not defined as kapnotes defines it (another tokenizer or "
            "options: searches may miss words)"
        )
    return None


def _normal(sql: str) -> str:
    return re.sub(r"[\s\"]", "", sql).lower()


def index_differences(session: Session, expected: Mapping[int, str]) -> IndexDifferences:
    """Compare the index with the text each row should hold (``expected``: rowid → body).

    A contentless index cannot be read back as text, and the checks' connection
    writes nothing; so the index's tables are copied into a private in-memory
    database (never a file) of the same SQLite build, checked there with FTS5's
    ``integrity-check``, and compared with an index of the expected text built
    beside it: each row's number of words, then each word's rows and positions
    (a count and two sums per word, so rows swapped between notes show), and for a
    word that differs, which rows. An index that cannot be read or copied is
    ``broken``, named, never an error.
    """
    import sqlcipher3  # the vault's own SQLite build: the same tokenizer

    name = f"file:kapnotes-index-check-{uuid.uuid4().hex}?mode=memory&cache=shared"
    check = None
    fill = sqlcipher3.connect(name, uri=True)
    try:
        fill.execute(FTS_DDL.format(name="found"))
        for suffix in _SHADOWS:  # fixed names: no text from outside goes into the SQL
            source = text(f"SELECT * FROM note_fts_{suffix}")  # noqa: S608
            rows = [tuple(r) for r in session.execute(source)]
            fill.execute(f"DELETE FROM found_{suffix}")  # noqa: S608
            if rows:
                marks = ", ".join("?" * len(rows[0]))
                fill.executemany(f"INSERT INTO found_{suffix} VALUES ({marks})", rows)  # noqa: S608
        fill.commit()
        # A fresh connection reads the copied index as it now is (the first one
        # keeps what it knew of the empty table it created).
        check = sqlcipher3.connect(name, uri=True)
        return _differences(check, expected)
    except (sqlcipher3.Error, DBAPIError) as exc:
        return IndexDifferences(
            broken=f"it could not be read: {getattr(exc, 'orig', None) or exc}",
            missing=frozenset(),
            stray=frozenset(),
            differing=frozenset(),
        )
    finally:
        if check is not None:
            check.close()
        fill.close()


#: A word's rows and positions in one index, in three numbers (sums of rowids, and of
#: rowids weighted by position: a word moved to another row or place changes them).
_WORD_SIGNATURE = "SELECT COUNT(*), SUM(doc), SUM(doc * (offset + 1)) FROM {t}_words WHERE term = ?"
#: For a word whose signature differs: its count and positions row by row.
_WORD_ROWS = "SELECT doc, COUNT(*), SUM(offset) FROM {t}_words WHERE term = ? GROUP BY doc"


def _differences(check: Any, expected: Mapping[int, str]) -> IndexDifferences:
    import sqlcipher3

    broken = None
    try:
        check.execute("INSERT INTO found (found) VALUES ('integrity-check')")
    except sqlcipher3.DatabaseError as exc:
        broken = str(exc)
    check.execute(FTS_DDL.format(name="expected"))
    check.executemany("INSERT INTO expected (rowid, body) VALUES (?, ?)", list(expected.items()))
    for table in ("found", "expected"):
        check.execute(f"CREATE VIRTUAL TABLE {table}_terms USING fts5vocab({table}, row)")
        check.execute(f"CREATE VIRTUAL TABLE {table}_words USING fts5vocab({table}, instance)")
    found = dict(check.execute("SELECT id, sz FROM found_docsize"))
    wanted = dict(check.execute("SELECT id, sz FROM expected_docsize"))
    differing = {r for r in found.keys() & wanted.keys() if found[r] != wanted[r]}
    every_word = "SELECT term FROM found_terms UNION SELECT term FROM expected_terms"
    terms = [row[0] for row in check.execute(every_word)]
    tables = ("found", "expected")
    for term in terms:
        signatures = [
            check.execute(_WORD_SIGNATURE.format(t=t), (term,)).fetchone() for t in tables
        ]
        if signatures[0] == signatures[1]:
            continue
        by_row = [
            {doc: (n, at) for doc, n, at in check.execute(_WORD_ROWS.format(t=t), (term,))}
            for t in tables
        ]
        rows = by_row[0].keys() | by_row[1].keys()
        differing |= {r for r in rows if by_row[0].get(r) != by_row[1].get(r)}
    missing = wanted.keys() - found.keys()
    stray = found.keys() - wanted.keys()
    return IndexDifferences(
        broken=broken,
        missing=frozenset(missing),
        stray=frozenset(stray),
        differing=frozenset(differing - missing - stray),
    )
