"""Tests of specs/ and generated/: the specs' text, their revisions, and the regeneration."""
