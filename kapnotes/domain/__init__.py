"""kapnotes.domain layer."""
