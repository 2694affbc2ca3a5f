"""Soglasie core: data, the process engine, rules, services and notifications (no frameworks)."""
