"""The manifest: one SQLite file that says which files, reports and passages are live.

It is the commit point of every change. Vectors are written to the store
*before* the manifest transaction and old vectors deleted *after* it, and
search ignores any vector the manifest does not list; so a crash at any moment
leaves the previous index answering as before (BENCHMARKS.md, fault tests).
"""
from __future__ import annotations

import json
import threading
import sqlite3
import time
from contextlib import contextmanager
from pathlib import Path
from typing import TypedDict

from ..ingest.chunk import Chunk, Document
from ..ingest.roles import role_of

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS files(source TEXT PRIMARY KEY, key TEXT, size INTEGER, added REAL, path TEXT, encoding TEXT);
CREATE TABLE IF NOT EXISTS docs(doc_id TEXT PRIMARY KEY, source TEXT, title TEXT, duplicate_of TEXT, ord INTEGER);
CREATE TABLE IF NOT EXISTS chunks(chunk_id TEXT PRIMARY KEY, vec_id TEXT UNIQUE, doc_id TEXT, source TEXT, title TEXT,
  section TEXT, text TEXT, norm TEXT, start INTEGER, "end" INTEGER, hash TEXT, duplicate_of TEXT, ord INTEGER, role TEXT);
CREATE INDEX IF NOT EXISTS chunks_doc ON chunks(doc_id);
CREATE INDEX IF NOT EXISTS chunks_source ON chunks(source);
"""


class ChunkRow(TypedDict):
    """One live passage as the manifest returns it; search hits and citations carry it."""
    chunk_id: str  # "<doc_id>-<n>"
    vec_id: str  # "<chunk_id>@<hash>": the vector's id in the store (changes when the text does)
    doc_id: str  # one report (a file may hold several)
    source: str  # the file name as the user knows it
    title: str  # the report's title
    section: list[str]  # heading path, outermost first: ["第一篇…", "一、…", "（二）…"]
    text: str  # as written (original script), shown to the user
    norm: str  # normalize(text): Simplified, same length, what is searched
    start: int  # offsets of text in the cleaned report
    end: int
    hash: str  # of norm
    duplicate_of: str | None  # doc_id of the report this one repeats
    ord: int  # position in its report
    role: str  # 概况 / 做法·经验 / 成效 / 启示·差距 / 问题 / 打算·建议 (ingest/roles.py)


CHUNK_COLS = tuple(ChunkRow.__annotations__)  # the column order of the chunks table


class Manifest:
    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        # One connection per thread: the app serves several users from worker threads, and a
        # shared connection would let a search read an ingest's uncommitted rows. With WAL,
        # each reader sees the last committed generation while a writer works.
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._all_lock = threading.Lock()
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.executescript(SCHEMA)
        cols = {r[1] for r in self.db.execute("PRAGMA table_info(chunks)")}
        if "role" not in cols:  # a manifest written before passages had roles: rows read as role NULL,
            self.db.execute("ALTER TABLE chunks ADD COLUMN role TEXT")  # computed on read (chunks())

    @property
    def db(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(str(self.path), timeout=30, check_same_thread=False, isolation_level=None)
            conn.execute("PRAGMA synchronous=FULL")
            self._local.conn = conn
            with self._all_lock:
                self._all.append(conn)
        return conn

    @contextmanager
    def transaction(self):
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
            self.db.execute("INSERT INTO meta VALUES('generation', ?) ON CONFLICT(key) DO UPDATE SET value=excluded.value",
                            (str(time.time_ns()),))
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise

    def generation(self) -> str:
        row = self.db.execute("SELECT value FROM meta WHERE key='generation'").fetchone()
        return row[0] if row else "0"

    def file_key(self, source: str) -> str | None:
        row = self.db.execute("SELECT key FROM files WHERE source=?", (source,)).fetchone()
        return row[0] if row else None

    def vec_ids(self, source: str | None = None) -> set[str]:
        q = "SELECT vec_id FROM chunks" + (" WHERE source=?" if source else "")
        return {r[0] for r in self.db.execute(q, (source,) if source else ())}

    def replace_file(self, source: str, key: str, size: int, path: str, encoding: str,
                     docs: list[Document], vec_ids: dict[str, str]) -> None:
        with self.transaction() as db:
            self._delete_source(db, source)
            db.execute("INSERT INTO files VALUES(?,?,?,?,?,?)", (source, key, size, time.time(), path, encoding))
            for k, d in enumerate(docs):
                db.execute("INSERT INTO docs VALUES(?,?,?,?,?)", (d.doc_id, source, d.title, d.duplicate_of, k))
                db.executemany(f"INSERT INTO chunks VALUES({','.join('?' * len(CHUNK_COLS))})",
                               [_row(c, vec_ids[c.chunk_id], n) for n, c in enumerate(d.chunks)])

    @staticmethod
    def _delete_source(db, source: str) -> None:
        db.execute("DELETE FROM chunks WHERE source=?", (source,))
        db.execute("DELETE FROM docs WHERE source=?", (source,))
        db.execute("DELETE FROM files WHERE source=?", (source,))

    def remove_source(self, source: str) -> None:
        with self.transaction() as db:
            self._delete_source(db, source)

    def remove_doc(self, doc_id: str) -> None:
        with self.transaction() as db:
            db.execute("DELETE FROM chunks WHERE doc_id=?", (doc_id,))
            db.execute("DELETE FROM docs WHERE doc_id=?", (doc_id,))

    def sources(self) -> list[dict]:
        cur = self.db.execute("SELECT source, key, size, added, path, encoding FROM files ORDER BY source")
        return [dict(zip(("source", "key", "size", "added", "path", "encoding"), r)) for r in cur]

    def empty(self) -> bool:
        return self.db.execute("SELECT 1 FROM docs LIMIT 1").fetchone() is None

    def documents(self) -> list[dict]:
        cur = self.db.execute(
            "SELECT d.doc_id, d.source, d.title, d.duplicate_of, COUNT(c.chunk_id) FROM docs d "
            "LEFT JOIN chunks c ON c.doc_id=d.doc_id GROUP BY d.doc_id ORDER BY d.source, d.ord")
        return [dict(zip(("doc_id", "source", "title", "duplicate_of", "chunks"), r)) for r in cur]

    def chunks(self, where: str = "", args: tuple = ()) -> list[ChunkRow]:
        cols = ", ".join(f'"{c}"' for c in CHUNK_COLS)
        cur = self.db.execute(f"SELECT {cols} FROM chunks {where} ORDER BY source, doc_id, ord", args)
        out = []
        for r in cur:
            d = dict(zip(CHUNK_COLS, r))
            d["section"] = json.loads(d["section"])
            if not d["role"]:
                d["role"] = role_of(d["section"], d["text"])
            out.append(d)
        return out

    def close(self):
        with self._all_lock:
            for conn in self._all:
                conn.close()
            self._all.clear()
        self._local = threading.local()


def _row(c: Chunk, vec_id: str, n: int) -> tuple:
    return (c.chunk_id, vec_id, c.doc_id, c.source, c.title, json.dumps(c.section, ensure_ascii=False), c.text,
            c.norm, c.start, c.end, c.hash, c.duplicate_of, n, c.role or role_of(c.section, c.text))
