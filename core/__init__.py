"""The lowest layer: helpers every app may use and that use no app.

Identifiers and their checks, periods and the London calendar, money formatting and the one half-up
rounding, safe CSV/XLSX text, reading uploaded tables, the NHS-style form base and queueing a task
once a transaction commits. Nothing here imports a Django app of this project (docs/adr/0029)."""
