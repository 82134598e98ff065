"""The static engine: files -> summaries -> project index -> handlers -> reach -> findings.

`engine.analyse` runs the whole pipeline; the modules follow it in order: `discovery` and
`readfile` find and read files, `summarize` builds per-module summaries (`ir`) that `loader`
caches, `project` indexes them, `evaluate`/`classes` give expressions static values,
`handlers`, `registries` and `signals` find what runs in a request, `reach` follows calls to
catalogued work, and `findings` turns that into findings. Only `catalogue` is imported from
outside this package.
"""
