"""The file store seam: blobs named by the sha256 of their bytes, on the local disk under the data directory or
in an S3-compatible store when VORONKA_FILES_URL names one (then several app processes share it).

An upload is first spooled into a temporary file while it is hashed and measured (`spool`); the blob is put
into the store whole (`put`), and only then may a database row refer to it. A killed upload leaves at most a
temporary file, which `sweep` removes at start."""

import hashlib
import os
import tempfile
import time
from collections.abc import AsyncIterable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol
from urllib.parse import parse_qs, urlsplit

from ..errors import InvalidInput

MEBIBYTE = 1024 * 1024
CHUNK = MEBIBYTE
SWEEP_AFTER_S = 3600  # a temporary file this old belongs to no upload still running, in any process
HEAD_BYTES = 8192  # what the type sniffing reads


def file_max_bytes() -> int:
    """The largest file one may attach (VORONKA_FILE_MAX_MB, 25 by default), read when asked so tests may set it."""
    return int(os.environ.get('VORONKA_FILE_MAX_MB', '25')) * MEBIBYTE


@dataclass
class Spooled:
    """An upload spooled to a temporary file: its size, its sha256 (the blob key) and its first bytes."""

    path: Path
    size: int
    key: str
    head: bytes

    def discard(self) -> None:
        self.path.unlink(missing_ok=True)


class _Spooler:
    """Writes chunks to a temporary file while hashing them; refuses the file once it grows past the limit."""

    def __init__(self, directory: Path, limit: int) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(prefix='upload-', suffix='.part', dir=directory)
        self.file = os.fdopen(handle, 'wb')
        self.path = Path(name)
        self.limit = limit
        self.digest = hashlib.sha256()
        self.size = 0
        self.head = b''

    def write(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.size > self.limit:
            raise InvalidInput('documents.error.too_large', limit=self.limit // MEBIBYTE)
        if len(self.head) < HEAD_BYTES:
            self.head += chunk[: HEAD_BYTES - len(self.head)]
        self.digest.update(chunk)
        self.file.write(chunk)

    def finish(self) -> Spooled:
        self.file.flush()
        os.fsync(self.file.fileno())
        self.file.close()
        return Spooled(path=self.path, size=self.size, key=self.digest.hexdigest(), head=self.head)

    def fail(self) -> None:
        self.file.close()
        self.path.unlink(missing_ok=True)


class BlobStore(Protocol):
    """Where the bytes of documents live; every method is blocking (call it off the event loop)."""

    def spool(self, chunks: Iterable[bytes], *, limit: int) -> Spooled: ...
    def put(self, spooled: Spooled) -> None: ...
    def exists(self, key: str) -> bool: ...
    def open(self, key: str) -> Iterator[bytes]: ...
    def read(self, key: str) -> bytes: ...
    def remove(self, key: str) -> None: ...
    def sweep(self) -> int: ...


class _Spooling:
    """Spooling is the same for every store: into `temp_dir`, local to this machine."""

    temp_dir: Path

    def spool(self, chunks: Iterable[bytes], *, limit: int) -> Spooled:
        spooler = _Spooler(self.temp_dir, limit)
        try:
            for chunk in chunks:
                spooler.write(chunk)
        except BaseException:
            spooler.fail()
            raise
        return spooler.finish()

    async def spool_async(self, chunks: AsyncIterable[bytes], *, limit: int) -> Spooled:
        """The same from an async stream (a request body); the writes are small and local."""
        spooler = _Spooler(self.temp_dir, limit)
        try:
            async for chunk in chunks:
                spooler.write(chunk)
        except BaseException:
            spooler.fail()
            raise
        return spooler.finish()

    def read(self, key: str) -> bytes:
        return b''.join(self.open(key))

    def sweep(self) -> int:
        """Remove the temporary files of uploads that were killed; those of running uploads are younger."""
        removed = 0
        if self.temp_dir.is_dir():
            for path in self.temp_dir.glob('upload-*.part'):
                try:
                    if time.time() - path.stat().st_mtime > SWEEP_AFTER_S:
                        path.unlink()
                        removed += 1
                except FileNotFoundError:
                    pass
        return removed


class LocalBlobStore(_Spooling):
    """Blobs as files `ab/abcdef…` under a directory; a blob appears by an atomic rename of a complete,
    fsynced file in the same file system, so a reader sees the whole file or none."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.temp_dir = root / 'tmp'

    def _path(self, key: str) -> Path:
        if len(key) != 64 or not all(c in '0123456789abcdef' for c in key):
            raise ValueError(f'not a blob key: {key!r}')
        return self.root / key[:2] / key

    def put(self, spooled: Spooled) -> None:
        target = self._path(spooled.key)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(spooled.path, target)
        directory = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(directory)  # the rename itself survives a power cut
        finally:
            os.close(directory)

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def open(self, key: str) -> Iterator[bytes]:
        with self._path(key).open('rb') as file:
            while chunk := file.read(CHUNK):
                yield chunk

    def remove(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)


class S3BlobStore(_Spooling):
    """Blobs as objects `<prefix><key>` in a bucket of any S3-compatible store. Credentials come the usual
    boto3 way (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, a profile, an instance role)."""

    def __init__(self, url: str, temp_dir: Path) -> None:
        import boto3  # only a deployment that configured S3 needs it loaded

        parts = urlsplit(url)
        options = {name: values[-1] for name, values in parse_qs(parts.query).items()}
        self.bucket = parts.netloc
        self.prefix = parts.path.lstrip('/')
        if self.prefix and not self.prefix.endswith('/'):
            self.prefix += '/'
        self.temp_dir = temp_dir
        self.client = boto3.client(
            's3', endpoint_url=options.get('endpoint'), region_name=options.get('region', 'us-east-1')
        )

    def _name(self, key: str) -> str:
        return f'{self.prefix}{key}'

    def put(self, spooled: Spooled) -> None:
        # one PUT (or a multipart upload completed at the end): the object appears whole or not at all
        self.client.upload_file(str(spooled.path), self.bucket, self._name(spooled.key))
        spooled.discard()

    def exists(self, key: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=self._name(key))
        except ClientError as error:
            if error.response.get('Error', {}).get('Code') in ('404', 'NoSuchKey', 'NotFound'):
                return False
            raise
        return True

    def open(self, key: str) -> Iterator[bytes]:
        body = self.client.get_object(Bucket=self.bucket, Key=self._name(key))['Body']
        try:
            yield from body.iter_chunks(CHUNK)
        finally:
            body.close()

    def remove(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._name(key))


_store: BlobStore | None = None
_configured: tuple[str, str] | None = None


def file_store() -> BlobStore:
    """The store of this process, by VORONKA_FILES_URL (S3) or else under VORONKA_DATA_DIR/files."""
    global _store, _configured
    data_dir = Path(os.environ.get('VORONKA_DATA_DIR', 'data')).resolve()
    wanted = (os.environ.get('VORONKA_FILES_URL', ''), str(data_dir))
    if _store is None or _configured != wanted:
        url, _ = wanted
        if url.startswith('s3://'):
            _store = S3BlobStore(url, data_dir / 'files' / 'tmp')
        else:
            _store = LocalBlobStore(data_dir / 'files')
        _configured = wanted
    return _store
