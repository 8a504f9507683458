"""Tests of kapnotes.e2e."""
