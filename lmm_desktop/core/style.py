"""Colours shared by every view of a trial (3D bones, curves, timeline, report), so a clinician
learns "blue = left, orange-red = right" once."""

from __future__ import annotations

LEFT_COLOUR = "#2f6fdb"  # blue
RIGHT_COLOUR = "#e8590c"  # orange-red
SIDE_COLOURS = {"left": LEFT_COLOUR, "right": RIGHT_COLOUR}
PHASE_COLOURS = ("#4e79a7", "#f28e2b", "#59a14f", "#b07aa1", "#76b7b2", "#edc948", "#9c755f")
"""Colours of a clinical test's successive phases (report and timeline alike)."""
