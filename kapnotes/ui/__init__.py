"""kapnotes.ui layer."""
