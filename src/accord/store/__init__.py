"""Storage: SQLAlchemy Core tables, Alembic migrations, repositories and the unit of work.

What other areas call:

    with UnitOfWork(url_or_engine) as uow:
        world = load_world(uow.connection, known_at)      # the world as known at K (None: now)
        report = import_document(uow.connection, document, now=clock_now, source="file.yaml")
        uow.commit()
"""

from accord.store.migrate import upgrade
from accord.store.persons_csv import CsvImportReport, CsvInvalid, import_persons_csv
from accord.store.reader import Summary, load_document, load_world, summary, visible
from accord.store.records import NothingStored
from accord.store.unit_of_work import UnitOfWork
from accord.store.writer import ImportReport, Tally, import_document

__all__ = [
    "CsvImportReport",
    "CsvInvalid",
    "ImportReport",
    "NothingStored",
    "Summary",
    "Tally",
    "UnitOfWork",
    "import_document",
    "import_persons_csv",
    "load_document",
    "load_world",
    "summary",
    "upgrade",
    "visible",
]
