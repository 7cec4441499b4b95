"""Benchmark of the bot's cost per update against the floor of its own stack (`bench/run.py`)."""
