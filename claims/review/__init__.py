"""Review: checking, querying, approving, rejecting and waiving claims, two people apart. Writes are
in :mod:`claims.review.services`."""
