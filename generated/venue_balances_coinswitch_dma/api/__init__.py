# generated — do not edit; written by scripts/regenerate.py from specs/coinswitch-dma.yaml
"""Contains methods for accessing the API"""
