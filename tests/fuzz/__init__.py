"""Fuzz tests (issue 8): hostile CSV and XLSX files through every import and upload, and
formula-like text through every export. See docs/fuzzing.md."""
