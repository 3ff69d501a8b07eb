"""Engines and transactions. Writers on SQLite start with BEGIN IMMEDIATE so they queue, never fail."""

import contextlib
import fcntl
import os
import queue
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from pathlib import Path
from weakref import WeakKeyDictionary

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from . import pg_events
from .errors import Overloaded
from .events import bus

BUSY_TIMEOUT_S = 30
GROUP_MAX = 100  # writes committed together at most; a burst beyond it queues for the next commit
QUEUE_MAX = 20_000  # writes waiting at most (a minute of leads): beyond it a write is refused, not queued
POSTGRES_WRITERS = 4  # groups written at once on PostgreSQL (SQLite takes one writer at a time)
STARTUP_LOCK_KEY = 0x766F726F6E6B61  # "voronka": the advisory lock of starting processes


class SchemaTooNew(RuntimeError):
    """The database was migrated by a newer version of the app than this one."""

    def __init__(self, database: str, code: str) -> None:
        super().__init__(
            f'Схема базы данных ({database}) новее этой версии Воронки (она знает схемы до {code}): '
            'запустите новую версию приложения или укажите другую базу (DATABASE_URL)'
        )


class DbSession(Session):
    """A session whose queued events are published only after it commits."""


@event.listens_for(DbSession, 'before_commit')
def _notify_other_processes(session) -> None:
    pending = [e for e in session.info.get('pending_events', []) if e.on_bus]
    if pending and not session.in_nested_transaction() and session.get_bind().dialect.name == 'postgresql':
        session.info['commit_mark'] = pg_events.notify(session.connection(), pending)


@event.listens_for(DbSession, 'after_commit')
def _publish_after_commit(session) -> None:
    if session.in_nested_transaction():
        return  # only a savepoint was released: nothing is committed until the outermost transaction is
    mark = session.info.pop('commit_mark', None)
    session.info.pop('pending_facts', None)  # the automation answered them before the commit, if it runs here
    for pending in session.info.pop('pending_events', []):
        if pending.on_bus:
            bus.publish(pending, mark)


PENDING = ('pending_events', 'pending_facts')  # what a session holds for its commit (events.py)


@event.listens_for(DbSession, 'after_transaction_create')
def _mark_savepoint(session, transaction) -> None:
    if transaction.nested:
        marks = session.info.setdefault('savepoint_marks', WeakKeyDictionary())
        marks[transaction] = {key: len(session.info.get(key, [])) for key in PENDING}


@event.listens_for(DbSession, 'after_soft_rollback')
def _drop_after_rollback(session, previous_transaction) -> None:
    """Forget the events and facts of the undone work only: a rolled-back savepoint keeps what came before it."""
    marks = session.info.get('savepoint_marks', {}).get(previous_transaction)
    if previous_transaction.nested and marks is not None:
        for key, mark in marks.items():
            del session.info.get(key, [])[mark:]
    else:
        for key in PENDING:
            session.info.pop(key, None)
        session.info.pop('commit_mark', None)


def _tune_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, 'connect')
    def _on_connect(dbapi_connection, _record) -> None:
        # autocommit at the driver level: SQLAlchemy's 'begin' hook below emits the BEGIN we choose
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute('PRAGMA journal_mode=WAL')
        cursor.execute('PRAGMA foreign_keys=ON')
        cursor.execute('PRAGMA synchronous=NORMAL')
        cursor.execute('PRAGMA cache_size=-32768')  # 32 MB: the client indexes of a large base stay in memory
        cursor.execute(f'PRAGMA busy_timeout={BUSY_TIMEOUT_S * 1000}')
        cursor.close()

    @event.listens_for(engine, 'begin')
    def _on_begin(conn) -> None:
        # a deferred transaction that reads then writes fails at once under contention; IMMEDIATE waits
        mode = conn.get_execution_options().get('sqlite_begin', 'DEFERRED')
        conn.exec_driver_sql(f'BEGIN {mode}')


class Database:
    """The engine pair of one database: plain reads, and writes that take the write lock up front."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.is_sqlite = url.startswith('sqlite')
        if self.is_sqlite:
            self.engine = create_engine(url, connect_args={'check_same_thread': False, 'timeout': BUSY_TIMEOUT_S})
            _tune_sqlite(self.engine)
            self.write_engine = self.engine.execution_options(sqlite_begin='IMMEDIATE')
            self.snapshot_engine = self.engine
            self._writer_lock = threading.RLock()
        else:
            pool = int(os.environ.get('VORONKA_DB_POOL', '10'))
            self.engine = create_engine(url, pool_size=pool, max_overflow=2 * pool, pool_pre_ping=True)
            self.write_engine = self.engine
            self.snapshot_engine = self.engine.execution_options(isolation_level='REPEATABLE READ')
            self._writer_lock = contextlib.nullcontext()
        self._grouped: GroupedWrites | None = None
        self._grouped_lock = threading.Lock()

    @contextmanager
    def read(self, *, one_snapshot: bool = False) -> Iterator[DbSession]:
        """A session for reading; nothing it does is committed. With `one_snapshot` every statement sees the
        database as the first one did (PostgreSQL's REPEATABLE READ; a SQLite read transaction always does)."""
        engine = self.snapshot_engine if one_snapshot else self.engine
        with DbSession(engine, expire_on_commit=False) as session:
            yield session

    @contextmanager
    def write(self) -> Iterator[DbSession]:
        """A transaction committed when the block ends and rolled back whole if it raises."""
        # SQLite has one writer at a time: queueing this process's writers on a lock is much faster than
        # letting them collide on BEGIN IMMEDIATE, whose busy handler sleeps in growing steps
        with self._writer_lock, DbSession(self.write_engine, expire_on_commit=False) as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def write_grouped(self, work: Callable[[DbSession], object]) -> Future:
        """Run `work(session)` in a transaction shared with the writes queued at the same moment, each under
        its own savepoint; the future is resolved once that transaction is committed (or with the error of
        this work alone: a refused write undoes only itself)."""
        with self._grouped_lock:
            if self._grouped is None:
                self._grouped = GroupedWrites(self)
        return self._grouped.submit(work)

    def migrate(self) -> None:
        """Create or upgrade the schema to the newest migration; a schema newer than this code is refused."""
        config = Config()
        config.set_main_option('script_location', str(Path(__file__).parent / 'migrations'))
        script = ScriptDirectory.from_config(config)
        with self.engine.begin() as connection:
            current = MigrationContext.configure(connection).get_current_heads()
            unknown = [revision for revision in current if not _known(script, revision)]
            if unknown:
                raise SchemaTooNew(', '.join(unknown), script.get_current_head())
            config.attributes['connection'] = connection
            command.upgrade(config, 'head')

    @contextmanager
    def startup_lock(self) -> Iterator[None]:
        """Held by one starting process at a time around migrating, seeding and the first run's demo, so any
        number of processes may start together on one PostgreSQL database (SQLite serves one process)."""
        if self.is_sqlite:
            with _file_lock(self.engine.url.database):
                yield
            return
        with self.engine.connect() as connection:
            # a session-level lock: kept across the commits below, released by its connection's end at the latest
            connection.execute(text('SELECT pg_advisory_lock(:key)'), {'key': STARTUP_LOCK_KEY})
            connection.commit()
            try:
                yield
            finally:
                connection.execute(text('SELECT pg_advisory_unlock(:key)'), {'key': STARTUP_LOCK_KEY})
                connection.commit()

    def optimize(self) -> None:
        """Refresh the planner's statistics (after start-up, and after large loads such as demo data or an
        import): without them SQLite can pick a poor index for the filters of a large base."""
        with self.engine.begin() as connection:
            if self.is_sqlite:
                connection.exec_driver_sql('PRAGMA analysis_limit=1000')
                connection.exec_driver_sql('PRAGMA optimize=0x10002')
            else:
                connection.exec_driver_sql('ANALYZE')

    def dispose(self) -> None:
        if self._grouped is not None:
            self._grouped.stop()
        self.engine.dispose()


class GroupedWrites:
    """Threads committing queued writes in groups. A commit costs the same for one write or a hundred
    (SQLite's WAL sync, PostgreSQL's WAL flush): under a stream of leads each caller waits for one shared
    commit instead of for everyone's commits in turn. SQLite has one writer; on PostgreSQL several groups are
    written at once, so one group's round trips to the server overlap another's."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        writers = 1 if database.is_sqlite else POSTGRES_WRITERS
        self._threads = [
            threading.Thread(target=self._run, name=f'grouped-writes-{n}', daemon=True) for n in range(writers)
        ]
        for thread in self._threads:
            thread.start()

    def submit(self, work: Callable[[DbSession], object]) -> Future:
        if self._queue.qsize() >= QUEUE_MAX:
            raise Overloaded()
        future: Future = Future()
        self._queue.put((work, future))
        return future

    def stop(self) -> None:
        for _ in self._threads:
            self._queue.put(None)
        for thread in self._threads:
            thread.join(timeout=BUSY_TIMEOUT_S)

    def _run(self) -> None:
        while (first := self._queue.get()) is not None:
            group = [first]
            while len(group) < GROUP_MAX:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    self._queue.put(None)  # stop once this group is written
                    break
                group.append(item)
            self._write(group)

    def _write(self, group: list[tuple[Callable, Future]]) -> None:
        if len(group) == 1:
            self._write_alone(*group[0])
            return
        outcomes, alone = [], []
        try:
            with self.database.write() as session:
                for work, future in group:
                    try:
                        with session.begin_nested():
                            result = work(session)
                    except DBAPIError:  # the database refused (a deadlock with another group, say): not this write
                        alone.append((work, future))
                    except Exception as error:  # it is this caller's answer, not the group's
                        outcomes.append((future, None, error))
                    else:
                        outcomes.append((future, result, None))
        except Exception:  # the group's commit failed: nothing of it is written
            outcomes, alone = [], group
        for future, result, error in outcomes:
            if error is None:
                future.set_result(result)
            else:
                future.set_exception(error)
        for work, future in alone:  # each on its own, so one write that cannot commit sinks no other
            self._write_alone(work, future)

    def _write_alone(self, work: Callable, future: Future) -> None:
        """One write in its own transaction: no savepoint needed, a failure rolls back all of it."""
        try:
            with self.database.write() as session:
                result = work(session)
        except Exception as error:
            future.set_exception(error)
        else:
            future.set_result(result)


def _known(script: ScriptDirectory, revision: str) -> bool:
    try:
        return script.get_revision(revision) is not None
    except CommandError:
        return False


@contextmanager
def _file_lock(database_path: str | None) -> Iterator[None]:
    """SQLite's start-up lock: a lock file beside the database (an in-memory database needs none)."""
    if not database_path or database_path == ':memory:':
        yield
        return
    with open(f'{database_path}.startup-lock', 'w') as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


_database: Database | None = None


def init_database(url: str, *, migrate: bool = True) -> Database:
    """Open (and migrate) the database every service in this process uses."""
    global _database
    if _database is not None and _database.url != url:
        _database.dispose()
    if _database is None or _database.url != url:
        _database = Database(url)
    if migrate:
        _database.migrate()
    return _database


def get_database() -> Database:
    if _database is None:
        raise RuntimeError('database not initialised: call init_database() first')
    return _database
