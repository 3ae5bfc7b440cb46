from protokit import settings

extensions = ["myst_parser"]
source_suffix = {".md": "markdown"}
globals().update(settings.LINKCHECK)
# The test serves pages on 127.0.0.1, which the handbook's settings ignore.
linkcheck_ignore = []
