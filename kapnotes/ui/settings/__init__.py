"""Settings dialogs."""
