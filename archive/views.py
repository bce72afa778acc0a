"""Views researchers read: who owes a report, current-only statistics, series totals.

Views hold no data; archive.migrations.refresh_views recreates them on every
open, so they follow this file without a migration.
"""


# The legal deadline of each report (《政府信息公开条例》). Since the 2019
# revision (art. 49, reports on 2019 onwards): a department's by 31 January
# of the next year, a government's own (an agency named …人民政府; its
# 办公室/办公厅 are departments) by 31 March. Before (2007 art. 31): every
# agency's by 31 March.
def deadline_sql(agency, year):
    """SQL for the legal deadline (YYYY-MM-DD) of agency's report on year."""
    return f"(({year}) + 1) || case when ({year}) < 2019 or {agency} like '%人民政府' then '-03-31' else '-01-31' end"


def deadline_rule_sql(agency, year):
    return (
        f"case when ({year}) < 2019 then 'before 2019: Mar 31' when {agency} like '%人民政府' "
        "then 'government Mar 31' else 'department Jan 31' end"
    )


def days_late_sql(published_on, deadline):
    return (
        f"case when {published_on} is null or {published_on} = '' then null "
        f"else max(0, cast(julianday({published_on}) - julianday({deadline}) as integer)) end"
    )


TIMELINESS = f"""
select report_id, agency, agency_series, region, year, published_on, published_source, deadline, deadline_rule,
  {days_late_sql("published_on", "deadline")} as days_late
from (
  select r.id as report_id, r.agency, r.agency_series, r.region, r.year, r.published_on, r.published_source,
    {deadline_sql("r.agency", "r.year")} as deadline, {deadline_rule_sql("r.agency", "r.year")} as deadline_rule
  from reports r
)
"""

# One row per agency series and year, from the archive's earliest report year
# to last year. A series is an agency under its current name (former names
# map to it), so a renamed agency's reports count once.
COVERAGE = f"""
with recursive years(year) as (
    select min(year) from reports where year is not null
    union all
    select year + 1 from years where year < cast(strftime('%Y', 'now') as integer) - 1
),
series as (
    select agency_series, max(in_registry) as in_registry, max(province) as province, max(city) as city,
        max(county) as county, max(region) as region, max(admin_level) as admin_level
    from agencies group by agency_series
),
held as (
    select coalesce(nullif(agency_series, ''), agency) as agency_series, year,
        count(*) as reports, max(current_version_id is not null) as has_text, min(id) as report_id,
        min(published_on) as published_on
    from reports group by 1, 2
),
grid as (
    select series.*, years.year, {deadline_sql("series.agency_series", "years.year")} as deadline
    from series cross join years
)
select
    grid.agency_series,
    grid.region,
    grid.city,
    grid.county,
    grid.admin_level,
    grid.in_registry,
    grid.year,
    grid.deadline,
    case
        when held.has_text and held.published_on > grid.deadline then 'late'
        when held.has_text then 'archived'
        when held.reports then 'scan only'
        when date('now') <= grid.deadline then 'not yet due'
        else 'missing'
    end as status,
    held.published_on,
    {days_late_sql("held.published_on", "grid.deadline")} as days_late,
    held.report_id
from grid
left join held on held.agency_series = grid.agency_series and held.year = grid.year
"""

# A report's statistics come from its current version only: request_stats
# keeps every version's rows, and summing those double-counts.
_CURRENT_STATS = """
select reports.agency, reports.agency_series, reports.city, reports.county, reports.year, {table}.*
from {table} join reports on reports.current_version_id = {table}.version_id
"""

# Totals per agency series, place and year (current versions only).
REQUEST_TOTALS_BY_SERIES = """
select
    agency_series, province, city, county, year,
    count(*) as reports,
    sum(new_requests) as new_requests,
    sum(disclosed) as disclosed,
    sum(partially_disclosed) as partially_disclosed,
    sum(withheld) as withheld,
    sum(unable_to_provide) as unable_to_provide,
    sum(not_handled) as not_handled,
    sum(other_handling) as other_handling,
    sum(total_handled) as total_handled,
    sum(check_status = 'failed') as failed_checks
from request_totals
group by agency_series, province, city, county, year
"""

VIEWS = {
    "timeliness": TIMELINESS,
    "coverage": COVERAGE,
    "current_request_stats": _CURRENT_STATS.format(table="request_stats"),
    "current_review_litigation": _CURRENT_STATS.format(table="review_litigation"),
    "current_active_disclosure": _CURRENT_STATS.format(table="active_disclosure"),
    "request_totals_by_series": REQUEST_TOTALS_BY_SERIES,
}
