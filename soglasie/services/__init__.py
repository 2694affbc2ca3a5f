"""Use cases every surface calls (portal, API, bot, CLI, DAGs); each takes the actor and `now`."""
