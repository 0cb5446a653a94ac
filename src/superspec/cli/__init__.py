"""The command line: thin click adapters over the core, behind one error boundary (main.py)."""
