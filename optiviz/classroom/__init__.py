"""A live class's shared state: which scene the teacher shows, whether its answer is
revealed, who joined and what each student tab answered.

Every server process reads and writes the same store, so a class works behind the nginx
setup with several processes (SQLite, a file every process on the machine opens) or
across machines (Redis, ``OPTIVIZ_CLASS_STORE=redis://host:6379/0``). Pure Python: no
Streamlit here; :mod:`optiviz.ui.classroom` draws the class.
"""

from .store import (
    QUIET,
    ClassState,
    NotTeacher,
    SQLiteStore,
    Store,
    StoreDown,
    UnknownClass,
    open_store,
)

__all__ = [
    "QUIET",
    "ClassState",
    "NotTeacher",
    "SQLiteStore",
    "Store",
    "StoreDown",
    "UnknownClass",
    "open_store",
]
