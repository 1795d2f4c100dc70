"""Colours shared by every view of a trial (3D bones, curves, timeline, report), so a clinician
learns "blue = left, orange-red = right" once."""

from __future__ import annotations

LEFT_COLOUR = "#2f6fdb"  # blue
RIGHT_COLOUR = "#e8590c"  # orange-red
SIDE_COLOURS = {"left": LEFT_COLOUR, "right": RIGHT_COLOUR}
