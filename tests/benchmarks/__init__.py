"""Tests of kapnotes.benchmarks."""
