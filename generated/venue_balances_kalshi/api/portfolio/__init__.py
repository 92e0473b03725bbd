# generated — do not edit; written by scripts/regenerate.py from specs/kalshi-get-all-subaccount-balances.yaml, specs/kalshi-get-balance.yaml
"""Contains endpoint functions for accessing the API"""
