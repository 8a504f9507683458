"""Pages and panes of the main window."""
