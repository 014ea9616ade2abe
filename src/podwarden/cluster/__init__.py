"""A live cluster, read-only: list what runs (client), evaluate it (audit), judge what each
namespace could enforce (readiness)."""
