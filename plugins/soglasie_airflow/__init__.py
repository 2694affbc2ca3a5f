"""Airflow-side glue for Soglasie: DAG defaults and the settings/connection a task runs with."""
