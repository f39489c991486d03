"""The load harness: the real server under many simulated participants, then a check of every vote (README.md)."""
