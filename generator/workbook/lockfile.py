"""Excel's lock files: ``~$name.xlsx`` sits beside a workbook while Excel has it open.

A lock file matches ``*.xlsx`` but holds only the name of the person editing; it says that the
workbook's unsaved changes are not in the file buurtkaart reads.
"""

from __future__ import annotations

from pathlib import Path

from generator.i18n import _

LOCK_PREFIX = "~$"


def is_lock_file(path: Path) -> bool:
    return path.name.startswith(LOCK_PREFIX)


def lock_file_of(workbook: Path) -> Path | None:
    """The lock file Excel keeps for this workbook, if it is open in Excel now."""
    # Excel prefixes the name; for long names some versions replace its first two characters.
    for name in (LOCK_PREFIX + workbook.name, LOCK_PREFIX + workbook.name[2:]):
        candidate = workbook.with_name(name)
        if candidate != workbook and candidate.is_file():
            return candidate
    return None


def workbook_of(lock: Path) -> str:
    """The name of the workbook a lock file stands for, as well as it can be told."""
    for candidate in sorted(lock.parent.iterdir()):
        if not is_lock_file(candidate) and lock_file_of(candidate) == lock:
            return str(candidate)
    return lock.name[len(LOCK_PREFIX) :]


def what_it_is(lock: Path) -> str:
    return _("this is the lock file Excel keeps while {workbook} is open, not a workbook").format(
        workbook=workbook_of(lock)
    )


def open_in_excel_note(workbook: Path, lock: Path) -> str:
    return _(
        "{workbook}: the workbook is open in Excel ({lock} is beside it); changes not yet "
        "saved in Excel are not read: save them there first and run again to include them"
    ).format(workbook=workbook, lock=lock.name)
