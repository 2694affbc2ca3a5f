"""The generic process engine: assignees, permissions and the one transition function."""
