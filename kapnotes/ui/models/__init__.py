"""Item models behind the views."""
