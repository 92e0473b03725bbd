"""Tests of adapter/unattended/history/: the history file, reading it back, and its formats."""
