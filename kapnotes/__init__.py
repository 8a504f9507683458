"""kapnotes: structured notes for ketamine-assisted psychotherapy in an encrypted vault."""

__version__ = "0.1.0"
APP_NAME = "kapnotes"
