"""`make run`'s supervisor: the embedded stack on one machine — the portal, Airflow standalone and the dispatcher.

It only starts processes and sits outside the core (`soglasie` never imports it): `soglasie init
--demo`, then each service in its own process group, so that stopping is reliable. `config` reads
the addresses, `airflow_env` configures Airflow standalone, `supervisor` starts and stops process
groups, `stack` ties them together; `python -m devstack` runs it.
"""
