"""The unit of work: one connection and one transaction; nothing is kept unless `commit()` is called."""

from __future__ import annotations

from types import TracebackType

from sqlalchemy import Connection, Engine, RootTransaction

from accord.store.engine import make_engine


class UnitOfWork:
    """`with UnitOfWork(url_or_engine) as uow: ... uow.connection ...; uow.commit()`.

    Leaving the block without committing rolls back. After `commit()` a new transaction begins, so one
    unit of work can commit several times. An engine made here from a URL is disposed on exit."""

    def __init__(self, target: str | Engine) -> None:
        self._owns_engine = isinstance(target, str)
        self.engine = make_engine(target) if isinstance(target, str) else target
        self._connection: Connection | None = None
        self._transaction: RootTransaction | None = None

    @property
    def connection(self) -> Connection:
        if self._connection is None:
            raise RuntimeError("the unit of work is used outside its `with` block")
        return self._connection

    def __enter__(self) -> UnitOfWork:
        self._connection = self.engine.connect()
        self._transaction = self._connection.begin()
        return self

    def commit(self) -> None:
        self._end().commit()
        self._transaction = self.connection.begin()

    def rollback(self) -> None:
        self._end().rollback()
        self._transaction = self.connection.begin()

    def _end(self) -> RootTransaction:
        if self._transaction is None:
            raise RuntimeError("the unit of work is used outside its `with` block")
        return self._transaction

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        try:
            if self._transaction is not None and self._transaction.is_active:
                self._transaction.rollback()
            if self._connection is not None:
                self._connection.close()
        finally:
            self._transaction = None
            self._connection = None
            if self._owns_engine:
                self.engine.dispose()
