"""Test support code: a throwaway PostgreSQL cluster, sample files, time helpers."""
