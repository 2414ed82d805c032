"""The results layer: the typed records every stage exchanges and the SQLite store holding them.

It sits below everything that writes results (`run/`) and everything that reads them
(`analysis/`, `report/`), so neither of those imports the other.
"""
