"""The machinery that runs the use cases (docs/architecture.md §4): database connections and units of work, the
vote writer's group commit, the analysis worker process, the debounced refresh.

Why a package of its own: `services/` says what a person can do; how it is made fast and durable (threads,
processes, driver connections, PRAGMAs) changes for other reasons and is tested differently. `runtime/` may use
services and the store; services never import it, and only the doors (`web/`, `commands/`) start it.
"""
