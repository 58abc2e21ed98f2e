"""Worksheets: the practice's quarterly submission by web form, upload or import, its figures, the
receipt and reminders. Writes are in :mod:`claims.worksheets.services`."""
