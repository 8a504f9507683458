"""Tests of kapnotes.store."""
