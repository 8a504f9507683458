"""Dialogs: first-run setup, recovery key, client and course forms."""
