"""Tests of kapnotes.reports."""
