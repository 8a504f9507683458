"""A search's snippet, cut from the note's own text (the index keeps no copy of it)."""

from __future__ import annotations

from kapnotes.store.search_index import MARK_CLOSE, MARK_OPEN, search_words, snippet


def shown(pieces: list[str], words: list[str]) -> str:
    """The snippet with its marks as brackets, to read the expectations at a glance."""
    return snippet(pieces, words).replace(MARK_OPEN, "[").replace(MARK_CLOSE, "]")


def test_the_matched_words_are_marked_whole_with_case_and_accents_folded() -> None:
    pieces = ["Élodie described the lake at dusk.", "No nausea reported."]
    assert shown(pieces, ["elodie"]) == "[Élodie] described the lake at dusk…"
    assert shown(pieces, ["LAK"]) == "Élodie described the [lake] at dusk…"
    assert shown(pieces, ["nause"]) == "…No [nausea] reported."


def test_a_long_text_is_cut_around_the_matches_with_ellipses() -> None:
    words = [f"word{i}" for i in range(40)]
    text = " ".join([*words[:20], "harbour", *words[20:]])
    cut = shown([text], ["harb"])
    assert cut.startswith("…") and cut.endswith("…")
    assert "word18 word19 [harbour] word20" in cut
    assert len(cut.replace("…", " ").split()) == 12  # as many words as FTS5 showed


def test_the_piece_and_run_with_the_most_matches_are_shown() -> None:
    text = "calm " + " ".join(["filler"] * 30) + " calm river calm"
    cut = shown(["A calm start.", text], ["calm", "riv"])
    assert cut.count("[calm]") == 2 and "[river]" in cut  # both words typed, here
    assert cut.endswith("[calm] [river] [calm]")


def test_no_match_shows_the_start_and_words_split_as_the_index_splits_them() -> None:
    assert shown(["", "one two three"], ["zebra"]) == "one two three"
    assert shown([], ["x"]) == shown([""], ["x"]) == ""
    assert search_words("dose_log, Zoë!") == ["dose", "log", "Zoë"]
    assert shown(["Zoë Ołowska"], search_words("zoe OŁOWSKA")) == "[Zoë] [Ołowska]"


def test_folding_is_the_index_s_latin_accents_off_other_scripts_keep_theirs() -> None:
    """As ``unicode61 remove_diacritics``: a search for "olowska", "strasse" or "все"
    finds none of these words, so no snippet may mark them."""
    assert shown(["Zoë Ołowska Straße Всё"], ["olowska", "strasse", "все"]) == (
        "Zoë Ołowska Straße Всё"
    )
    assert shown(["Всё хорошо"], ["всё"]) == "[Всё] хорошо"


def test_a_symbol_that_folds_to_a_letter_is_not_a_word() -> None:
    """ "ⓐ" decomposes to "a" but is no word for the index: the match is in the prose
    (and, no word coming before it, with no "…" in front)."""
    assert shown(["ⓐ, ⓑ", "Anxious, tearful."], ["a"]) == "[Anxious], tearful."


def test_prose_is_shown_before_a_stored_choice_holding_the_same_word() -> None:
    pieces = ["nausea_minimal", "Worried about nausea before the session."]
    assert shown(pieces, ["nausea"]) == "…Worried about [nausea] before the session."


def test_a_note_s_own_brackets_are_not_marks() -> None:
    assert snippet(["BP [148/94] taken, calm"], ["calm"]) == (
        f"BP [148/94] taken, {MARK_OPEN}calm{MARK_CLOSE}"
    )


def test_a_very_long_field_full_of_matches_shows_its_first_run() -> None:
    """20,000 words all matching "t": the snippet is the field's first words, cut after
    (how long it takes is measured by the benchmark, not here)."""
    text = " ".join(f"t{i}" for i in range(20_000))
    cut = shown([text], ["t"])
    assert cut.startswith("[t0] [t1]") and cut.endswith("[t11]…")
    assert cut.count("[") == 12
