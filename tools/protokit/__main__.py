"""``python -m protokit``: run the checker."""

from .cli import entry

entry()
