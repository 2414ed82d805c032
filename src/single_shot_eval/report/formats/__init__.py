"""Report formats: one module per format, each exposing `FORMAT`, `FILENAME` and `write`."""
