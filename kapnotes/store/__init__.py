"""kapnotes.store layer."""
