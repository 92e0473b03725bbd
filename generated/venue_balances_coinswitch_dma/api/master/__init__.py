# generated — do not edit; written by scripts/regenerate.py from specs/coinswitch-dma.yaml
"""Contains endpoint functions for accessing the API"""
