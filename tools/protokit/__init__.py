"""protokit: the protocol model, the checker and the Sphinx extension of the handbook.

One parser (:mod:`protokit.parse`), one schema (``protocols/schema.yaml``) and one
set of rules (:mod:`protokit.rules`) serve both the command-line checker and the
Sphinx build, so a protocol that passes ``make check`` cannot fail the build on a
protocol rule.
"""

__version__ = "0.1.0"
