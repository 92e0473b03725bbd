# generated — do not edit; written by scripts/regenerate.py from specs/kalshi.yaml
"""Contains methods for accessing the API"""
