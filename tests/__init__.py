"""kapnotes test suite."""
