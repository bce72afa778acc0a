"""Which format generation a report's text follows.

Decided by structure before citations: the 2021 revision added rows and
renamed columns that exist nowhere else, so their presence settles it even
when the text cites the 2019 document (or cites nothing, as many do).
"""

from archive.report_tables import catalogue
from archive.report_tables.cells import squeeze


def detect_generation(text, year=None):
    """catalogue.NARRATIVE, FORMAT_2019 or FORMAT_2021.

    year (the report's year) decides only when the text holds the tables
    but none of the labels that tell the generations apart (a table cut
    short, a report without its 第二十条 tables).
    """
    key = squeeze(text)
    if not any(marker in key for marker in catalogue.TABLE_MARKERS):
        return catalogue.NARRATIVE
    if any(marker in key for marker in catalogue.MARKERS_2021):
        return catalogue.FORMAT_2021
    if any(marker in key for marker in catalogue.MARKERS_2019):
        return catalogue.FORMAT_2019
    if year is not None and year >= catalogue.FIRST_2021_YEAR:
        return catalogue.FORMAT_2021
    return catalogue.FORMAT_2019
