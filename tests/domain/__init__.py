"""Tests of kapnotes.domain."""
