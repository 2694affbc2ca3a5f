"""Process analytics: cycle time, stage and approver times from the `durations` table (docs/analytics.md)."""
