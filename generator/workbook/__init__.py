"""Stage 1: the Excel workbook teams fill in, written and read."""

from generator.workbook import openpyxl_without_numpy  # noqa: F401  # before openpyxl
from generator.workbook.reader import read_team
from generator.workbook.writer import write_workbook

__all__ = ["read_team", "write_workbook"]
