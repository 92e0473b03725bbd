# generated — do not edit; written by scripts/regenerate.py from specs/kalshi.yaml
"""Contains endpoint functions for accessing the API"""
