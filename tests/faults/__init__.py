"""Fault tests at scale (``make faults``): byte flips, kill -9 during saves, guessing."""
