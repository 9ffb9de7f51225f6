"""Aggregate reports safe to publish: report definitions as data, grouped counts over the record as of T
and as known at K, small-cell suppression with complementary suppression, the cost model and charts.

A pure core: it imports neither SQLAlchemy nor `accord.store`. It works on fact tables (Arrow tables or
Parquet files, `facts.py`) that the store's report repository or a benchmark provides (docs/reports.md)."""
