"""kapnotes.reports layer."""
