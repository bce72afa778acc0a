"""What the spider hands to the pipelines."""

from dataclasses import dataclass, field


@dataclass
class DocumentItem:
    """One candidate report document as fetched.

    The spider fills the capture fields; the prepare stage adds the rest,
    computed in a worker (document/prepare.py): the text, the identity
    (agency, year, region...), the publication date, the search-index text,
    the parsed tables and the MinHash signature. Storage adds the database ids.
    """

    url: str
    body: bytes
    content_type: str = ""
    http_status: int = 200
    fetched_at: str = ""
    requested_url: str = ""
    linked_from: str = ""
    link_text: str = ""
    # the date printed beside the link in the list that led here
    list_date: str = ""
    page_title: str = ""
    page_meta: dict = field(default_factory=dict)
    format: str = "html"
    encoding: str = ""
    # the response as received, for the WARC record
    response_headers: list = field(default_factory=list)  # (name, value) pairs
    reason: str = ""
    # other responses worth keeping with it, e.g. the page that linked an
    # attachment: dicts of url, status, headers, body, fetched_at
    context_responses: list = field(default_factory=list)
    # XPaths of the report body known to the page's CMS adapter
    body_containers: list = field(default_factory=list)
    # reading
    extraction: str = ""
    needs_ocr: bool = False
    # why OCR did not read a scan (no engine, a bound passed)
    needs_ocr_reason: str = ""
    # ISO dates the file itself carries (PDF ModDate/CreationDate, DOCX core properties)
    document_dates: list = field(default_factory=list)
    # normalized text (document/normalize.py)
    text: str = ""
    # identification
    title: str = ""
    agency: str = ""
    agency_series: str = ""
    year: int | None = None
    region: str = ""
    province: str = ""
    city: str = ""
    county: str = ""
    division_code: str = ""
    admin_level: str = ""
    # publication (document/dates.py)
    published_on: str = ""
    published_source: str = ""
    # computed for the writing stages: reports_fts text, parse_report's
    # result (or its exception), the MinHash hashvalues
    index_text: str | None = None
    tables: object = None
    signature: object = None
    # WARC
    warc_filename: str = ""
    warc_offset: int | None = None
    warc_length: int | None = None
    warc_record_id: str = ""
    warc_error: str = ""
    # storage
    report_id: int | None = None
    version_id: int | None = None
    capture_id: int | None = None
    new_version: bool = False
