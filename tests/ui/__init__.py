"""Tests of kapnotes.ui."""
