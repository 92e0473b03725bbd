"""Tests of adapter/unattended/ (floors, metrics, the exporter with its HTTP server and web
configuration, the history) and of the monitoring kit in monitoring/."""
