"""Text that is safe to put in a spreadsheet (CSV or ``.xlsx``) a person will open."""

# A text cell starting with one of these is run as a formula by spreadsheet programs (CSV/formula
# injection). Home names come from the registry, so every text cell is neutralised.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


def safe_text(value):
    """Text a spreadsheet shows as text: a leading apostrophe before a formula-like start."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def xlsx_text(value):
    """A cell an ``.xlsx`` file can hold, shown as text: without the control characters XML cannot
    carry (openpyxl refuses them; a name imported from a CSV may have one), then neutralised. In
    that order, so ``"\x01=1+1"`` cannot lose its first character and become a formula."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if isinstance(value, str):
        return safe_text(ILLEGAL_CHARACTERS_RE.sub("", value))
    return value
