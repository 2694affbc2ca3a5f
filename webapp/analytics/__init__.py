"""The analytics page: the KPI against the baseline, charts, stage and approver tables, exports."""

from webapp.analytics.routes import bp

__all__ = ["bp"]
