"""A search's snippet, cut from the note's own text (the index keeps no copy of it)."""

from __future__ import annotations

from kapnotes.store.search_index import search_words, snippet


def test_the_matched_words_are_marked_whole_with_case_and_accents_folded() -> None:
    pieces = ["Élodie described the lake at dusk.", "No nausea reported."]
    assert snippet(pieces, ["elodie"]) == "[Élodie] described the lake at dusk…"
    assert snippet(pieces, ["LAK"]) == "Élodie described the [lake] at dusk…"
    assert snippet(pieces, ["nause"]) == "…No [nausea] reported."


def test_a_long_text_is_cut_around_the_matches_with_ellipses() -> None:
    words = [f"word{i}" for i in range(40)]
    text = " ".join([*words[:20], "harbour", *words[20:]])
    shown = snippet([text], ["harb"])
    assert shown.startswith("…") and shown.endswith("…")
    assert "word18 word19 [harbour] word20" in shown
    assert len(shown.replace("…", " ").split()) == 12  # as many words as FTS5 showed


def test_the_piece_and_run_with_the_most_matches_are_shown() -> None:
    text = "calm " + " ".join(["filler"] * 30) + " calm river calm"
    shown = snippet(["A calm start.", text], ["calm", "riv"])
    assert shown.count("[calm]") == 2 and "[river]" in shown  # both words typed, here
    assert shown.endswith("[calm] [river] [calm]")


def test_no_match_shows_the_start_and_words_split_as_the_index_splits_them() -> None:
    assert snippet(["", "one two three"], ["zebra"]) == "one two three"
    assert snippet([], ["x"]) == snippet([""], ["x"]) == ""
    assert search_words("dose_log, Zoë!") == ["dose", "log", "Zoë"]
    assert snippet(["Zoë Ołowska"], search_words("zoe OŁOWSKA")) == "[Zoë] [Ołowska]"
    # as the index: "ł" and "ß" are letters of their own (a search for "olowska" finds
    # no note, so no snippet should mark it)
    assert snippet(["Zoë Ołowska Straße"], ["olowska", "strasse"]) == "Zoë Ołowska Straße"


def test_prose_is_shown_before_a_stored_choice_holding_the_same_word() -> None:
    pieces = ["nausea_minimal", "Worried about nausea before the session."]
    assert snippet(pieces, ["nausea"]) == "…Worried about [nausea] before the session."
