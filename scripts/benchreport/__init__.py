"""benchreport - the modules of scripts/bench-report.py."""
