"""Fixes: turn fixers' edits into changed manifests or JSONPatch."""
