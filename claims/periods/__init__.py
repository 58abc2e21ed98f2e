"""Periods: quarters' due dates and tariffs (:mod:`claims.periods.services`)."""
