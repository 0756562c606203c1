"""Reads that join models or need care at scale, one module per sub-domain:
`<entity>_<get|list>[_qualifier]`, `select_related` inside, typed returns (DESIGN §3).
Import the module (`from intake.selectors import workflow`), not the package."""
