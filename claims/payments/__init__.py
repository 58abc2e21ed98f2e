"""Payments: payment runs (:mod:`claims.payments.runs`), adjustments of paid claims
(:mod:`claims.payments.adjustments`), remittance advice and the finance hand-off."""
