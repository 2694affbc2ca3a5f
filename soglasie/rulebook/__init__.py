"""The rules module: rule files → validated RuleBook, decisions by durable-rules, SLA and deadlines.

Entry points: `loader.load_rulebook`, `provider.RulesProvider`, `engine.decide`,
`sla.sla_schedule`, `deadlines.accounting_deadline`, `timeline.simulate`. Nothing is imported
here, so importing a submodule stays cheap and `durable` loads only with `engine`.
"""
